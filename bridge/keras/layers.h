// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Typed builders for the common keras.layers classes. Each sets only what its constructor and
// setters are given; every other argument keeps Keras' own default. Setter names are Keras'
// snake_case arguments in lowerCamel; arg() sets any other one. Any class of keras.layers is
// also a generic Layer(type, kwargs), or comes checked from the Catalog.

#include "bridge/keras/layer.h"

namespace qk::keras {

class InputLayer : public LayerBuilder<InputLayer> {
public:
    explicit InputLayer(const Shape& shape)
        : LayerBuilder("InputLayer") {
        set("shape", shapeValue(shape));
    }
    InputLayer& batchSize(int value) { return with("batch_size", value); }
    InputLayer& sparse(bool value) { return with("sparse", value); }
};

// Options shared by layers with a kernel and a bias (Dense, convolutions, recurrent layers).
template <typename Self>
class KernelLayer : public LayerBuilder<Self> {
public:
    using LayerBuilder<Self>::LayerBuilder;
    Self& activation(Argument value) { return this->with("activation", std::move(value)); }
    Self& useBias(bool value) { return this->with("use_bias", value); }
    Self& kernelInitializer(Argument value) {
        return this->with("kernel_initializer", std::move(value));
    }
    Self& biasInitializer(Argument value) {
        return this->with("bias_initializer", std::move(value));
    }
    Self& kernelRegularizer(Argument value) {
        return this->with("kernel_regularizer", std::move(value));
    }
    Self& biasRegularizer(Argument value) {
        return this->with("bias_regularizer", std::move(value));
    }
    Self& activityRegularizer(Argument value) {
        return this->with("activity_regularizer", std::move(value));
    }
    // A keras.constraints object (MaxNorm(2)) or its name ("non_neg").
    Self& kernelConstraint(Argument value) {
        return this->with("kernel_constraint", std::move(value));
    }
    Self& biasConstraint(Argument value) { return this->with("bias_constraint", std::move(value)); }
};

class Dense : public KernelLayer<Dense> {
public:
    explicit Dense(int units)
        : KernelLayer("Dense") {
        addPositional(units);
    }
};

// keras.layers.EinsumDense(equation, output_shape).
class EinsumDense : public KernelLayer<EinsumDense> {
public:
    EinsumDense(const QString& equation, const Shape& outputShape)
        : KernelLayer("EinsumDense") {
        addPositional(equation);
        addPositional(shapeValue(outputShape));
    }
    EinsumDense& biasAxes(const QString& value) { return with("bias_axes", value); }
};

class Activation : public LayerBuilder<Activation> {
public:
    explicit Activation(Argument activation)
        : LayerBuilder("Activation") {
        addPositional(std::move(activation));
    }
};

class ReLU : public LayerBuilder<ReLU> {
public:
    ReLU()
        : LayerBuilder("ReLU") {}
    ReLU& maxValue(double value) { return with("max_value", value); }
    ReLU& negativeSlope(double value) { return with("negative_slope", value); }
    ReLU& threshold(double value) { return with("threshold", value); }
};

class LeakyReLU : public LayerBuilder<LeakyReLU> {
public:
    LeakyReLU()
        : LayerBuilder("LeakyReLU") {}
    LeakyReLU& negativeSlope(double value) { return with("negative_slope", value); }
};

class Softmax : public LayerBuilder<Softmax> {
public:
    Softmax()
        : LayerBuilder("Softmax") {}
    Softmax& axis(int value) { return with("axis", value); }
};

class Dropout : public LayerBuilder<Dropout> {
public:
    explicit Dropout(double rate)
        : LayerBuilder("Dropout") {
        addPositional(rate);
    }
    Dropout& seed(int value) { return with("seed", value); }
    Dropout& noiseShape(const Shape& value) { return with("noise_shape", shapeValue(value)); }
};

class SpatialDropout1D : public LayerBuilder<SpatialDropout1D> {
public:
    explicit SpatialDropout1D(double rate)
        : LayerBuilder("SpatialDropout1D") {
        addPositional(rate);
    }
};

class GaussianNoise : public LayerBuilder<GaussianNoise> {
public:
    explicit GaussianNoise(double stddev)
        : LayerBuilder("GaussianNoise") {
        addPositional(stddev);
    }
};

class Flatten : public LayerBuilder<Flatten> {
public:
    Flatten()
        : LayerBuilder("Flatten") {}
    Flatten& dataFormat(const QString& value) { return with("data_format", value); }
};

class Reshape : public LayerBuilder<Reshape> {
public:
    explicit Reshape(const Shape& targetShape)
        : LayerBuilder("Reshape") {
        addPositional(shapeValue(targetShape));
    }
};

// keras.layers.Permute(dims): dims count from 1 (the batch axis is not permuted).
class Permute : public LayerBuilder<Permute> {
public:
    explicit Permute(const IntOrTuple& dims)
        : LayerBuilder("Permute") {
        addPositional(dims);
    }
};

class RepeatVector : public LayerBuilder<RepeatVector> {
public:
    explicit RepeatVector(int n)
        : LayerBuilder("RepeatVector") {
        addPositional(n);
    }
};

class Rescaling : public LayerBuilder<Rescaling> {
public:
    explicit Rescaling(double scale)
        : LayerBuilder("Rescaling") {
        addPositional(scale);
    }
    Rescaling& offset(double value) { return with("offset", value); }
};

// Options shared by the convolutions.
template <typename Self>
class ConvLayer : public KernelLayer<Self> {
public:
    using KernelLayer<Self>::KernelLayer;
    Self& strides(IntOrTuple value) { return this->with("strides", value); }
    Self& padding(const QString& value) { return this->with("padding", value); }
    Self& dilationRate(IntOrTuple value) { return this->with("dilation_rate", value); }
    Self& groups(int value) { return this->with("groups", value); }
    Self& dataFormat(const QString& value) { return this->with("data_format", value); }
};

// A convolution made of filters and a kernel size: Conv1D(16, 5), Conv2D(32, {3, 3}).
template <typename Self>
class FilterConv : public ConvLayer<Self> {
public:
    FilterConv(const char* className, int filters, const IntOrTuple& kernelSize)
        : ConvLayer<Self>(className) {
        this->addPositional(filters);
        this->addPositional(kernelSize);
    }
};

class Conv1D : public FilterConv<Conv1D> {
public:
    Conv1D(int filters, const IntOrTuple& kernelSize)
        : FilterConv("Conv1D", filters, kernelSize) {}
};

class Conv2D : public FilterConv<Conv2D> {
public:
    Conv2D(int filters, const IntOrTuple& kernelSize)
        : FilterConv("Conv2D", filters, kernelSize) {}
};

class Conv3D : public FilterConv<Conv3D> {
public:
    Conv3D(int filters, const IntOrTuple& kernelSize)
        : FilterConv("Conv3D", filters, kernelSize) {}
};

class Conv2DTranspose : public FilterConv<Conv2DTranspose> {
public:
    Conv2DTranspose(int filters, const IntOrTuple& kernelSize)
        : FilterConv("Conv2DTranspose", filters, kernelSize) {}
};

class SeparableConv2D : public FilterConv<SeparableConv2D> {
public:
    SeparableConv2D(int filters, const IntOrTuple& kernelSize)
        : FilterConv("SeparableConv2D", filters, kernelSize) {}
    SeparableConv2D& depthMultiplier(int value) { return with("depth_multiplier", value); }
};

class DepthwiseConv2D : public ConvLayer<DepthwiseConv2D> {
public:
    explicit DepthwiseConv2D(const IntOrTuple& kernelSize)
        : ConvLayer("DepthwiseConv2D") {
        addPositional(kernelSize);
    }
    DepthwiseConv2D& depthMultiplier(int value) { return with("depth_multiplier", value); }
};

// Options shared by the pooling layers; pool_size is set only when given.
template <typename Self>
class PoolingLayer : public LayerBuilder<Self> {
public:
    using LayerBuilder<Self>::LayerBuilder;
    Self& poolSize(const IntOrTuple& value) { return this->with("pool_size", value); }
    Self& strides(IntOrTuple value) { return this->with("strides", value); }
    Self& padding(const QString& value) { return this->with("padding", value); }
    Self& dataFormat(const QString& value) { return this->with("data_format", value); }
};

class MaxPooling1D : public PoolingLayer<MaxPooling1D> {
public:
    MaxPooling1D()
        : PoolingLayer("MaxPooling1D") {}
    explicit MaxPooling1D(const IntOrTuple& size)
        : MaxPooling1D() {
        poolSize(size);
    }
};

class MaxPooling2D : public PoolingLayer<MaxPooling2D> {
public:
    MaxPooling2D()
        : PoolingLayer("MaxPooling2D") {}
    explicit MaxPooling2D(const IntOrTuple& size)
        : MaxPooling2D() {
        poolSize(size);
    }
};

class AveragePooling1D : public PoolingLayer<AveragePooling1D> {
public:
    AveragePooling1D()
        : PoolingLayer("AveragePooling1D") {}
    explicit AveragePooling1D(const IntOrTuple& size)
        : AveragePooling1D() {
        poolSize(size);
    }
};

class AveragePooling2D : public PoolingLayer<AveragePooling2D> {
public:
    AveragePooling2D()
        : PoolingLayer("AveragePooling2D") {}
    explicit AveragePooling2D(const IntOrTuple& size)
        : AveragePooling2D() {
        poolSize(size);
    }
};

// Options shared by the global poolings.
template <typename Self>
class GlobalPoolingLayer : public LayerBuilder<Self> {
public:
    using LayerBuilder<Self>::LayerBuilder;
    Self& keepdims(bool value) { return this->with("keepdims", value); }
    Self& dataFormat(const QString& value) { return this->with("data_format", value); }
};

class GlobalAveragePooling1D : public GlobalPoolingLayer<GlobalAveragePooling1D> {
public:
    GlobalAveragePooling1D()
        : GlobalPoolingLayer("GlobalAveragePooling1D") {}
};

class GlobalAveragePooling2D : public GlobalPoolingLayer<GlobalAveragePooling2D> {
public:
    GlobalAveragePooling2D()
        : GlobalPoolingLayer("GlobalAveragePooling2D") {}
};

class GlobalMaxPooling1D : public GlobalPoolingLayer<GlobalMaxPooling1D> {
public:
    GlobalMaxPooling1D()
        : GlobalPoolingLayer("GlobalMaxPooling1D") {}
};

class GlobalMaxPooling2D : public GlobalPoolingLayer<GlobalMaxPooling2D> {
public:
    GlobalMaxPooling2D()
        : GlobalPoolingLayer("GlobalMaxPooling2D") {}
};

class UpSampling2D : public LayerBuilder<UpSampling2D> {
public:
    explicit UpSampling2D(const IntOrTuple& size)
        : LayerBuilder("UpSampling2D") {
        addPositional(size);
    }
    UpSampling2D& interpolation(const QString& value) { return with("interpolation", value); }
};

class ZeroPadding2D : public LayerBuilder<ZeroPadding2D> {
public:
    explicit ZeroPadding2D(Argument padding)
        : LayerBuilder("ZeroPadding2D") {
        addPositional(std::move(padding));
    }
};

class BatchNormalization : public LayerBuilder<BatchNormalization> {
public:
    BatchNormalization()
        : LayerBuilder("BatchNormalization") {}
    BatchNormalization& axis(int value) { return with("axis", value); }
    BatchNormalization& momentum(double value) { return with("momentum", value); }
    BatchNormalization& epsilon(double value) { return with("epsilon", value); }
    BatchNormalization& center(bool value) { return with("center", value); }
    BatchNormalization& scale(bool value) { return with("scale", value); }
};

class LayerNormalization : public LayerBuilder<LayerNormalization> {
public:
    LayerNormalization()
        : LayerBuilder("LayerNormalization") {}
    LayerNormalization& axis(int value) { return with("axis", value); }
    LayerNormalization& epsilon(double value) { return with("epsilon", value); }
    LayerNormalization& center(bool value) { return with("center", value); }
    LayerNormalization& scale(bool value) { return with("scale", value); }
};

class Embedding : public LayerBuilder<Embedding> {
public:
    Embedding(int inputDim, int outputDim)
        : LayerBuilder("Embedding") {
        addPositional(inputDim);
        addPositional(outputDim);
    }
    Embedding& maskZero(bool value) { return with("mask_zero", value); }
    Embedding& embeddingsInitializer(Argument value) {
        return with("embeddings_initializer", std::move(value));
    }
    Embedding& embeddingsRegularizer(Argument value) {
        return with("embeddings_regularizer", std::move(value));
    }
};

// Options shared by the recurrent layers.
template <typename Self>
class RecurrentLayer : public KernelLayer<Self> {
public:
    RecurrentLayer(const char* className, int units)
        : KernelLayer<Self>(className) {
        this->addPositional(units);
    }
    Self& returnSequences(bool value) { return this->with("return_sequences", value); }
    Self& returnState(bool value) { return this->with("return_state", value); }
    Self& goBackwards(bool value) { return this->with("go_backwards", value); }
    Self& dropout(double value) { return this->with("dropout", value); }
    Self& recurrentDropout(double value) { return this->with("recurrent_dropout", value); }
    Self& recurrentInitializer(Argument value) {
        return this->with("recurrent_initializer", std::move(value));
    }
    Self& unroll(bool value) { return this->with("unroll", value); }
};

// Options of the gated recurrent layers.
template <typename Self>
class GatedRecurrentLayer : public RecurrentLayer<Self> {
public:
    using RecurrentLayer<Self>::RecurrentLayer;
    Self& recurrentActivation(Argument value) {
        return this->with("recurrent_activation", std::move(value));
    }
};

class SimpleRNN : public RecurrentLayer<SimpleRNN> {
public:
    explicit SimpleRNN(int units)
        : RecurrentLayer("SimpleRNN", units) {}
};

class LSTM : public GatedRecurrentLayer<LSTM> {
public:
    explicit LSTM(int units)
        : GatedRecurrentLayer("LSTM", units) {}
    LSTM& unitForgetBias(bool value) { return with("unit_forget_bias", value); }
};

class GRU : public GatedRecurrentLayer<GRU> {
public:
    explicit GRU(int units)
        : GatedRecurrentLayer("GRU", units) {}
    GRU& resetAfter(bool value) { return with("reset_after", value); }
};

// Wrappers of another layer.
class Bidirectional : public LayerBuilder<Bidirectional> {
public:
    explicit Bidirectional(const Layer& layer)
        : LayerBuilder("Bidirectional") {
        addPositional(layer);
    }
    Bidirectional& mergeMode(Argument value) { return with("merge_mode", std::move(value)); }
    Bidirectional& backwardLayer(const Layer& value) { return with("backward_layer", value); }
};

class TimeDistributed : public LayerBuilder<TimeDistributed> {
public:
    explicit TimeDistributed(const Layer& layer)
        : LayerBuilder("TimeDistributed") {
        addPositional(layer);
    }
};

// keras.layers.MultiHeadAttention(num_heads, key_dim), called on (query, value) or
// (query, value, key), with call() for attention_mask, use_causal_mask, training and
// return_attention_scores.
class MultiHeadAttention : public LayerBuilder<MultiHeadAttention> {
public:
    MultiHeadAttention(int numHeads, int keyDim)
        : LayerBuilder("MultiHeadAttention") {
        set("num_heads", numHeads);
        set("key_dim", keyDim);
    }
    MultiHeadAttention& valueDim(int value) { return with("value_dim", value); }
    MultiHeadAttention& dropout(double value) { return with("dropout", value); }
    MultiHeadAttention& useBias(bool value) { return with("use_bias", value); }
    MultiHeadAttention& outputShape(const Shape& value) {
        return with("output_shape", shapeValue(value));
    }
    MultiHeadAttention& attentionAxes(const IntOrTuple& value) {
        return with("attention_axes", value);
    }
    MultiHeadAttention& kernelInitializer(Argument value) {
        return with("kernel_initializer", std::move(value));
    }
};

// keras.layers.Attention (dot-product attention), called on a list [query, value] or
// [query, value, key].
class Attention : public LayerBuilder<Attention> {
public:
    Attention()
        : LayerBuilder("Attention") {}
    Attention& useScale(bool value) { return with("use_scale", value); }
    Attention& scoreMode(const QString& value) { return with("score_mode", value); }
    Attention& dropout(double value) { return with("dropout", value); }
};

// Merge layers: called on a list of tensors.
class Add : public LayerBuilder<Add> {
public:
    Add()
        : LayerBuilder("Add") {}
};

class Subtract : public LayerBuilder<Subtract> {
public:
    Subtract()
        : LayerBuilder("Subtract") {}
};

class Multiply : public LayerBuilder<Multiply> {
public:
    Multiply()
        : LayerBuilder("Multiply") {}
};

class Average : public LayerBuilder<Average> {
public:
    Average()
        : LayerBuilder("Average") {}
};

class Maximum : public LayerBuilder<Maximum> {
public:
    Maximum()
        : LayerBuilder("Maximum") {}
};

class Minimum : public LayerBuilder<Minimum> {
public:
    Minimum()
        : LayerBuilder("Minimum") {}
};

class Concatenate : public LayerBuilder<Concatenate> {
public:
    Concatenate()
        : LayerBuilder("Concatenate") {}
    Concatenate& axis(int value) { return with("axis", value); }
};

class Dot : public LayerBuilder<Dot> {
public:
    explicit Dot(const IntOrTuple& axes)
        : LayerBuilder("Dot") {
        set("axes", axes);
    }
    Dot& normalize(bool value) { return with("normalize", value); }
};

} // namespace qk::keras
