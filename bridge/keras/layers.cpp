#include "bridge/keras/layers.h"

namespace qk::keras {

InputLayer::InputLayer(const Shape& shape)
    : LayerBuilder(QStringLiteral("InputLayer")) {
    set(QStringLiteral("shape"), shapeValue(shape));
}

Dense::Dense(int units)
    : KernelLayer(QStringLiteral("Dense")) {
    addPositional(units);
}

Activation::Activation(Argument activation)
    : LayerBuilder(QStringLiteral("Activation")) {
    addPositional(std::move(activation));
}

Dropout::Dropout(double rate)
    : LayerBuilder(QStringLiteral("Dropout")) {
    addPositional(rate);
}

Flatten::Flatten()
    : LayerBuilder(QStringLiteral("Flatten")) {}

Reshape::Reshape(const Shape& targetShape)
    : LayerBuilder(QStringLiteral("Reshape")) {
    addPositional(shapeValue(targetShape));
}

Conv1D::Conv1D(int filters, IntOrTuple kernelSize)
    : ConvLayer(QStringLiteral("Conv1D")) {
    addPositional(filters);
    addPositional(kernelSize);
}

Conv2D::Conv2D(int filters, IntOrTuple kernelSize)
    : ConvLayer(QStringLiteral("Conv2D")) {
    addPositional(filters);
    addPositional(kernelSize);
}

MaxPooling1D::MaxPooling1D()
    : PoolingLayer(QStringLiteral("MaxPooling1D")) {}
MaxPooling1D::MaxPooling1D(IntOrTuple size)
    : MaxPooling1D() {
    poolSize(size);
}

MaxPooling2D::MaxPooling2D()
    : PoolingLayer(QStringLiteral("MaxPooling2D")) {}
MaxPooling2D::MaxPooling2D(IntOrTuple size)
    : MaxPooling2D() {
    poolSize(size);
}

AveragePooling1D::AveragePooling1D()
    : PoolingLayer(QStringLiteral("AveragePooling1D")) {}
AveragePooling1D::AveragePooling1D(IntOrTuple size)
    : AveragePooling1D() {
    poolSize(size);
}

AveragePooling2D::AveragePooling2D()
    : PoolingLayer(QStringLiteral("AveragePooling2D")) {}
AveragePooling2D::AveragePooling2D(IntOrTuple size)
    : AveragePooling2D() {
    poolSize(size);
}

GlobalAveragePooling1D::GlobalAveragePooling1D()
    : GlobalPoolingLayer(QStringLiteral("GlobalAveragePooling1D")) {}
GlobalAveragePooling2D::GlobalAveragePooling2D()
    : GlobalPoolingLayer(QStringLiteral("GlobalAveragePooling2D")) {}
GlobalMaxPooling1D::GlobalMaxPooling1D()
    : GlobalPoolingLayer(QStringLiteral("GlobalMaxPooling1D")) {}
GlobalMaxPooling2D::GlobalMaxPooling2D()
    : GlobalPoolingLayer(QStringLiteral("GlobalMaxPooling2D")) {}

BatchNormalization::BatchNormalization()
    : LayerBuilder(QStringLiteral("BatchNormalization")) {}

LayerNormalization::LayerNormalization()
    : LayerBuilder(QStringLiteral("LayerNormalization")) {}

Embedding::Embedding(int inputDim, int outputDim)
    : LayerBuilder(QStringLiteral("Embedding")) {
    addPositional(inputDim);
    addPositional(outputDim);
}

SimpleRNN::SimpleRNN(int units)
    : RecurrentLayer(QStringLiteral("SimpleRNN")) {
    addPositional(units);
}

LSTM::LSTM(int units)
    : RecurrentLayer(QStringLiteral("LSTM")) {
    addPositional(units);
}

GRU::GRU(int units)
    : RecurrentLayer(QStringLiteral("GRU")) {
    addPositional(units);
}

Bidirectional::Bidirectional(const Layer& layer)
    : LayerBuilder(QStringLiteral("Bidirectional")) {
    addPositional(layer);
}

Add::Add()
    : LayerBuilder(QStringLiteral("Add")) {}

Concatenate::Concatenate()
    : LayerBuilder(QStringLiteral("Concatenate")) {}

} // namespace qk::keras
