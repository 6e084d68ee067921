#include "bridge/keras/optimizers.h"

namespace qk::keras {

Optimizer::Optimizer(const QString& className,
                     const std::vector<std::pair<QString, Argument>>& kwargs)
    : KerasObject(QStringLiteral("keras.optimizers"), className) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

SGD::SGD()
    : OptimizerBuilder(QStringLiteral("SGD")) {}
Adam::Adam()
    : AdamLike(QStringLiteral("Adam")) {}
AdamW::AdamW()
    : AdamLike(QStringLiteral("AdamW")) {}
Adamax::Adamax()
    : AdamLike(QStringLiteral("Adamax")) {}
Nadam::Nadam()
    : AdamLike(QStringLiteral("Nadam")) {}
RMSprop::RMSprop()
    : OptimizerBuilder(QStringLiteral("RMSprop")) {}
Adagrad::Adagrad()
    : OptimizerBuilder(QStringLiteral("Adagrad")) {}
Adadelta::Adadelta()
    : OptimizerBuilder(QStringLiteral("Adadelta")) {}

} // namespace qk::keras
