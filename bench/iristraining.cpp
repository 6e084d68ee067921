// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench/iristraining.h"

#include "bridge/keras/layers.h"
#include "bridge/keras/losses.h"
#include "bridge/keras/optimizers.h"
#include "bridge/session/session.h"

#include <QFile>
#include <QStringList>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace qk::bench {

IrisData loadIris(const QString& csvPath) {
    QFile file(csvPath);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        throw std::runtime_error("cannot read " + csvPath.toStdString());
    const QStringList species{QStringLiteral("setosa"), QStringLiteral("versicolor"),
                              QStringLiteral("virginica")};
    std::vector<float> features;
    std::vector<float> labels;
    file.readLine(); // header
    while (!file.atEnd()) {
        const QStringList fields = QString::fromUtf8(file.readLine()).trimmed().split(u',');
        if (fields.size() != 5)
            continue;
        for (int i = 0; i < 4; ++i)
            features.push_back(fields[i].toFloat());
        const auto label = species.indexOf(fields[4]);
        for (int k = 0; k < 3; ++k)
            labels.push_back(k == label ? 1.0f : 0.0f);
    }
    const auto rows = static_cast<std::int64_t>(labels.size() / 3);
    for (std::size_t column = 0; column < 4; ++column) {
        double sum = 0, squares = 0;
        for (std::int64_t r = 0; r < rows; ++r)
            sum += features[static_cast<std::size_t>(r) * 4 + column];
        const double mean = sum / static_cast<double>(rows);
        for (std::int64_t r = 0; r < rows; ++r) {
            const double d = features[static_cast<std::size_t>(r) * 4 + column] - mean;
            squares += d * d;
        }
        const double deviation = std::sqrt(squares / static_cast<double>(rows));
        for (std::int64_t r = 0; r < rows; ++r) {
            float& f = features[static_cast<std::size_t>(r) * 4 + column];
            f = static_cast<float>((f - mean) / deviation);
        }
    }
    return {NdArray::fromVector(features, {rows, 4}), NdArray::fromVector(labels, {rows, 3})};
}

IrisRun trainIris(Session& session, const IrisData& data, int epochs, int batchSize) {
    session.run(QStringLiteral("import keras\nkeras.utils.set_random_seed(0)"));
    auto model = std::make_shared<keras::Sequential>(session);
    model->add(keras::InputLayer({4}));
    model->add(keras::Dense(16));
    model->add(keras::Activation("sigmoid"));
    model->add(keras::Dense(3));
    model->add(keras::Activation("softmax"));
    model->compile(keras::CategoricalCrossentropy(), keras::Adam(), {"accuracy"});
    keras::Training training =
        model->fit(data.x, data.y, {.epochs = epochs, .batchSize = batchSize});
    return {std::move(model), std::move(training)};
}

} // namespace qk::bench
