#pragma once

// Typed builders for the common keras.layers classes. Each sets only what its constructor and
// setters are given; every other argument keeps Keras' own default. Setter names are Keras'
// snake_case arguments in lowerCamel; arg() sets any other one.

#include "bridge/keras/layer.h"

namespace qk::keras {

class InputLayer : public LayerBuilder<InputLayer> {
public:
    explicit InputLayer(const Shape& shape);
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
};

class Dense : public KernelLayer<Dense> {
public:
    explicit Dense(int units);
};

class Activation : public LayerBuilder<Activation> {
public:
    explicit Activation(Argument activation);
};

class Dropout : public LayerBuilder<Dropout> {
public:
    explicit Dropout(double rate);
    Dropout& seed(int value) { return with("seed", value); }
    Dropout& noiseShape(const Shape& value) { return with("noise_shape", shapeValue(value)); }
};

class Flatten : public LayerBuilder<Flatten> {
public:
    Flatten();
    Flatten& dataFormat(const QString& value) { return with("data_format", value); }
};

class Reshape : public LayerBuilder<Reshape> {
public:
    explicit Reshape(const Shape& targetShape);
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

class Conv1D : public ConvLayer<Conv1D> {
public:
    Conv1D(int filters, IntOrTuple kernelSize);
};

class Conv2D : public ConvLayer<Conv2D> {
public:
    Conv2D(int filters, IntOrTuple kernelSize);
};

// Options shared by the pooling layers; pool_size is set only when given.
template <typename Self>
class PoolingLayer : public LayerBuilder<Self> {
public:
    using LayerBuilder<Self>::LayerBuilder;
    Self& poolSize(IntOrTuple value) { return this->with("pool_size", value); }
    Self& strides(IntOrTuple value) { return this->with("strides", value); }
    Self& padding(const QString& value) { return this->with("padding", value); }
    Self& dataFormat(const QString& value) { return this->with("data_format", value); }
};

class MaxPooling1D : public PoolingLayer<MaxPooling1D> {
public:
    MaxPooling1D();
    explicit MaxPooling1D(IntOrTuple poolSize);
};

class MaxPooling2D : public PoolingLayer<MaxPooling2D> {
public:
    MaxPooling2D();
    explicit MaxPooling2D(IntOrTuple poolSize);
};

class AveragePooling1D : public PoolingLayer<AveragePooling1D> {
public:
    AveragePooling1D();
    explicit AveragePooling1D(IntOrTuple poolSize);
};

class AveragePooling2D : public PoolingLayer<AveragePooling2D> {
public:
    AveragePooling2D();
    explicit AveragePooling2D(IntOrTuple poolSize);
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
    GlobalAveragePooling1D();
};

class GlobalAveragePooling2D : public GlobalPoolingLayer<GlobalAveragePooling2D> {
public:
    GlobalAveragePooling2D();
};

class GlobalMaxPooling1D : public GlobalPoolingLayer<GlobalMaxPooling1D> {
public:
    GlobalMaxPooling1D();
};

class GlobalMaxPooling2D : public GlobalPoolingLayer<GlobalMaxPooling2D> {
public:
    GlobalMaxPooling2D();
};

class BatchNormalization : public LayerBuilder<BatchNormalization> {
public:
    BatchNormalization();
    BatchNormalization& axis(int value) { return with("axis", value); }
    BatchNormalization& momentum(double value) { return with("momentum", value); }
    BatchNormalization& epsilon(double value) { return with("epsilon", value); }
    BatchNormalization& center(bool value) { return with("center", value); }
    BatchNormalization& scale(bool value) { return with("scale", value); }
};

class LayerNormalization : public LayerBuilder<LayerNormalization> {
public:
    LayerNormalization();
    LayerNormalization& axis(int value) { return with("axis", value); }
    LayerNormalization& epsilon(double value) { return with("epsilon", value); }
    LayerNormalization& center(bool value) { return with("center", value); }
    LayerNormalization& scale(bool value) { return with("scale", value); }
};

class Embedding : public LayerBuilder<Embedding> {
public:
    Embedding(int inputDim, int outputDim);
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
    using KernelLayer<Self>::KernelLayer;
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

class SimpleRNN : public RecurrentLayer<SimpleRNN> {
public:
    explicit SimpleRNN(int units);
};

class LSTM : public RecurrentLayer<LSTM> {
public:
    explicit LSTM(int units);
    LSTM& recurrentActivation(Argument value) {
        return with("recurrent_activation", std::move(value));
    }
    LSTM& unitForgetBias(bool value) { return with("unit_forget_bias", value); }
};

class GRU : public RecurrentLayer<GRU> {
public:
    explicit GRU(int units);
    GRU& recurrentActivation(Argument value) {
        return with("recurrent_activation", std::move(value));
    }
    GRU& resetAfter(bool value) { return with("reset_after", value); }
};

class Bidirectional : public LayerBuilder<Bidirectional> {
public:
    explicit Bidirectional(const Layer& layer);
    Bidirectional& mergeMode(Argument value) { return with("merge_mode", std::move(value)); }
    Bidirectional& backwardLayer(const Layer& value) { return with("backward_layer", value); }
};

// Merge layers: called on a list of tensors.
class Add : public LayerBuilder<Add> {
public:
    Add();
};

class Concatenate : public LayerBuilder<Concatenate> {
public:
    Concatenate();
    Concatenate& axis(int value) { return with("axis", value); }
};

} // namespace qk::keras
