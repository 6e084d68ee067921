#include "bench/iristraining.h"

#include "bridge/session/session.h"

#include <QFile>
#include <QStringList>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace qk::bench {

namespace {

// The model, as bench/train_plain.py builds it (keep the two in step).
constexpr char kBuildModel[] = R"(import keras
import qtkeras_worker.keras_support
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(16),
    keras.layers.Activation("sigmoid"),
    keras.layers.Dense(3),
    keras.layers.Activation("softmax"),
])
model.compile(
    loss=keras.losses.CategoricalCrossentropy(),
    optimizer=keras.optimizers.Adam(),
    metrics=["accuracy"],
))";

constexpr char kFit[] = R"(history = model.fit(
    x, y, epochs=%1, batch_size=%2, verbose=0,
    callbacks=[qtkeras_worker.keras_support.progress_callback()],
)
float(history.history["loss"][-1]))";

} // namespace

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

QFuture<Value> trainIris(Session& session, const IrisData& data, int epochs, int batchSize) {
    session.send(Command(kBuildModel));
    Command fit(QString::fromUtf8(kFit).arg(epochs).arg(batchSize));
    fit.bind(QStringLiteral("x"), data.x).bind(QStringLiteral("y"), data.y);
    return session.send(std::move(fit));
}

} // namespace qk::bench
