// SPDX-License-Identifier: GPL-3.0-or-later
// The running example of "Experience in Bridging Keras for Python with Pharo" (Infante and
// Bergel, IWST'18) in C++: a 4-16-3 network classifies iris flowers. Run it from the build
// tree; it starts its own Python worker. With --export FILE it also writes the model, compile
// and training as a standalone Python script.
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"

#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);

    qk::Session session; // starts the local worker
    qk::keras::PrepareOptions prepare;
    prepare.label = QStringLiteral("species"); // 80/20, stratified, standardized, one-hot
    const qk::keras::PreparedData data = qk::keras::Dataset::iris().prepare(prepare);

    qk::keras::Sequential model(session);
    model.add(qk::keras::InputLayer({4}));
    model.add(qk::keras::Dense(16));
    model.add(qk::keras::Activation("sigmoid"));
    model.add(qk::keras::Dense(3));
    model.add(qk::keras::Activation("softmax"));
    model.compile(qk::keras::CategoricalCrossentropy(), qk::keras::Adam().learningRate(0.01),
                  {"accuracy"});
    try {
        auto history = model.fit(data.xTrain, data.yTrain, {.epochs = 100}).result();
        auto scores = model.evaluate(data.xTest, data.yTest).result(); // loss, accuracy
        out << "trained " << history->epochCount() << " epochs in " << history->totalSeconds()
            << " s; final training accuracy " << history->last(QStringLiteral("accuracy"))
            << "\ntest loss " << scores.value(QStringLiteral("loss")) << ", test accuracy "
            << scores.value(QStringLiteral("accuracy")) << Qt::endl;
        const QStringList args = QCoreApplication::arguments();
        if (const auto i = args.indexOf(QStringLiteral("--export")); i > 0 && i + 1 < args.size()) {
            QFile file(args.at(i + 1));
            if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                file.write(model.exportScript().toUtf8());
        }
    } catch (const qk::CommandError& e) {
        QTextStream(stderr) << "iris: " << e.what() << Qt::endl;
        return 1;
    }
    return 0;
}
