// SPDX-License-Identifier: GPL-3.0-or-later
#include "examples/irisdemo.h"

#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTextStream>
#include <QThread>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>

namespace qk::examples {

IrisResult runIris(Session& session, const IrisOptions& options) {
    namespace K = qk::keras;
    keras::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.testFraction = 0.2;
    prepare.seed = options.seed;
    const keras::PreparedData data = keras::Dataset::iris().prepare(prepare);

    K::Sequential model(session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(16));
    model.add(K::Activation("sigmoid"));
    model.add(K::Dense(3));
    const K::ModelInfo info = model.add(K::Activation("softmax")).result();
    model.compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});

    K::Training training = model.fit(data.xTrain, data.yTrain, {.epochs = options.epochs});
    if (options.onEpoch) {
        QObject::connect(training.history().get(), &K::TrainingHistory::epochEnded,
                         training.history().get(),
                         [onEpoch = options.onEpoch, history = training.history().get()](
                             int epoch, const QMap<QString, double>& logs) {
                             onEpoch(epoch, history->plannedEpochs().value_or(0), logs);
                         });
    }
    // Deliver the history's signals while fit() runs.
    while (!training.isFinished()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    QCoreApplication::processEvents();
    const std::shared_ptr<K::TrainingHistory> history = training.result();
    const K::Scores scores = model.evaluate(data.xTest, data.yTest).result();

    IrisResult result;
    result.testAccuracy = scores.value(QStringLiteral("accuracy"));
    result.testLoss = scores.value(QStringLiteral("loss"));
    result.epochs = history->epochCount();
    result.params = info.totalParams;
    result.trainSeconds = history->totalSeconds();
    result.script = model.exportScript();
    return result;
}

bool wantsHeadlessDemo(int argc, char* argv[]) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--headless") == 0)
            return true;
    }
    return false;
}

int runHeadlessDemo(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("QtKeras"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QtKeras without a display"));
    parser.addHelpOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("The demo (iris)."),
                                  QStringLiteral("name"));
    const QCommandLineOption headless(QStringLiteral("headless"),
                                      QStringLiteral("Run without a window."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("End with one line of JSON on stdout."));
    const QCommandLineOption epochs(QStringLiteral("epochs"),
                                    QStringLiteral("Epochs to train (100)."), QStringLiteral("n"),
                                    QStringLiteral("100"));
    const QCommandLineOption script(QStringLiteral("export"),
                                    QStringLiteral("Write the trained model as a Python script."),
                                    QStringLiteral("file"));
    parser.addOptions({demo, headless, json, epochs, script});
    parser.process(app);

    QTextStream err(stderr);
    if (parser.value(demo) != QLatin1String("iris")) {
        err << "qtkeras: --headless needs --demo iris\n";
        return 2;
    }
    QElapsedTimer clock;
    clock.start();
    try {
        Session session;
        const WorkerInfo worker = session.ready().result();
        err << "worker ready: Keras " << worker.keras << " on " << worker.backend << Qt::endl;
        // Where the worker runs from: its interpreter and the qtkeras_worker package it
        // imported (an installed program uses the copy installed beside it).
        const Value where = session
                                .run(QStringLiteral("(__import__('sys').executable, "
                                                    "__import__('qtkeras_worker').__path__[0])"))
                                .result();
        const QString interpreter = where.items().at(0).toString();
        const QString workerDir = where.items().at(1).toString();
        err << "worker: " << workerDir << " on " << interpreter << Qt::endl;
        IrisOptions options;
        options.epochs = parser.value(epochs).toInt();
        options.onEpoch = [&err](int epoch, int total, const QMap<QString, double>& logs) {
            err << "epoch " << epoch << '/' << total << "  loss "
                << logs.value(QStringLiteral("loss")) << "  accuracy "
                << logs.value(QStringLiteral("accuracy")) << Qt::endl;
        };
        const IrisResult result = runIris(session, options);
        err << "test accuracy " << result.testAccuracy << ", test loss " << result.testLoss
            << Qt::endl;
        if (parser.isSet(script)) {
            QFile file(parser.value(script));
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                throw std::runtime_error("cannot write " + file.fileName().toStdString());
            file.write(result.script.toUtf8());
        }
        if (parser.isSet(json)) {
            const nlohmann::json line = {
                {"demo", "iris"},
                {"test_accuracy", result.testAccuracy},
                {"test_loss", result.testLoss},
                {"epochs", result.epochs},
                {"params", result.params},
                {"train_seconds", result.trainSeconds},
                {"seconds", static_cast<double>(clock.elapsed()) / 1000.0},
                {"keras_version", worker.keras.toStdString()},
                {"backend", worker.backend.toStdString()},
                {"python", worker.python.toStdString()},
                {"interpreter", interpreter.toStdString()},
                {"worker", workerDir.toStdString()},
            };
            std::cout << line.dump() << std::endl;
        }
        return 0;
    } catch (const std::exception& e) {
        err << "qtkeras: the iris demo failed: " << e.what() << Qt::endl;
        return 1;
    }
}

} // namespace qk::examples
