// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.applications: ready-made image models (ResNet50, MobileNetV2...), as a model of their
// own (Model(session, ResNet50().weights(nullptr))) or as a block called on a tensor
// (MobileNetV2().includeTop(false).weights(nullptr)(inputs)). weights(nullptr) starts from
// random weights; the default, "imagenet", downloads them.

#include "bridge/keras/layer.h"

namespace qk::keras {

// Options every application takes.
template <typename Self, typename Base>
class ApplicationOptions : public Builder<Self, Base> {
public:
    using Builder<Self, Base>::Builder;
    Self& includeTop(bool value) { return this->with("include_top", value); }
    // "imagenet", a path to weights, or nullptr (None) for random weights.
    Self& weights(Argument value) { return this->with("weights", std::move(value)); }
    Self& inputShape(const Shape& value) { return this->with("input_shape", shapeValue(value)); }
    // "avg" or "max": the pooling after the last convolution when includeTop(false).
    Self& pooling(const QString& value) { return this->with("pooling", value); }
    Self& classes(int value) { return this->with("classes", value); }
    Self& classifierActivation(Argument value) {
        return this->with("classifier_activation", std::move(value));
    }
    Self& name(const QString& value) { return this->with("name", value); }
};

// A keras.applications constructor call; any application by name (Application("ResNet101")),
// or a typed one below.
class Application : public ApplicationOptions<Application, Layer> {
public:
    explicit Application(const QString& function)
        : ApplicationOptions(Module::Applications, function) {}
};

// Options of the MobileNets.
template <typename Self>
class MobileNetOptions : public ApplicationOptions<Self, Application> {
public:
    using ApplicationOptions<Self, Application>::ApplicationOptions;
    Self& alpha(double value) { return this->with("alpha", value); }
};

class MobileNetV2 : public MobileNetOptions<MobileNetV2> {
public:
    MobileNetV2()
        : MobileNetOptions("MobileNetV2") {}
};

class MobileNetV3Small : public MobileNetOptions<MobileNetV3Small> {
public:
    MobileNetV3Small()
        : MobileNetOptions("MobileNetV3Small") {}
    MobileNetV3Small& minimalistic(bool value) { return with("minimalistic", value); }
};

class ResNet50 : public ApplicationOptions<ResNet50, Application> {
public:
    ResNet50()
        : ApplicationOptions("ResNet50") {}
};

class ResNet50V2 : public ApplicationOptions<ResNet50V2, Application> {
public:
    ResNet50V2()
        : ApplicationOptions("ResNet50V2") {}
};

class EfficientNetB0 : public ApplicationOptions<EfficientNetB0, Application> {
public:
    EfficientNetB0()
        : ApplicationOptions("EfficientNetB0") {}
};

class VGG16 : public ApplicationOptions<VGG16, Application> {
public:
    VGG16()
        : ApplicationOptions("VGG16") {}
};

class InceptionV3 : public ApplicationOptions<InceptionV3, Application> {
public:
    InceptionV3()
        : ApplicationOptions("InceptionV3") {}
};

class DenseNet121 : public ApplicationOptions<DenseNet121, Application> {
public:
    DenseNet121()
        : ApplicationOptions("DenseNet121") {}
};

} // namespace qk::keras
