// SPDX-License-Identifier: GPL-3.0-or-later
#include "examples/irisdemo.h"

#include "bridge/keras/dataset.h"
#include "bridge/keras/distribution.h"
#include "bridge/keras/keras.h"
#include "bridge/keras/processgroup.h"
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

namespace {

// The first rows of an array, cut to a multiple of `multiple`.
NdArray leadingRows(const NdArray& a, std::int64_t multiple) {
    const std::int64_t rows = a.shape().front() / multiple * multiple;
    if (rows == a.shape().front())
        return a;
    std::vector<std::int64_t> shape = a.shape();
    const qsizetype rowBytes = a.bytes().size() / static_cast<qsizetype>(shape.front());
    shape.front() = rows;
    return NdArray(a.dtype(), std::move(shape), a.bytes().left(rowBytes * rows));
}

// Runs the event loop (events of a job's watcher among them) until the future is done.
template <typename T>
T await(const QFuture<T>& future) {
    while (!future.isFinished()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    QCoreApplication::processEvents();
    return future.result();
}

} // namespace

IrisResult runIris(Session& session, const IrisOptions& options) {
    return runIris(std::vector<Session*>{&session}, options);
}

IrisResult runIris(const std::vector<Session*>& sessions, const IrisOptions& options) {
    namespace K = qk::keras;
    keras::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.testFraction = 0.2;
    prepare.seed = options.seed;
    keras::PreparedData data = keras::Dataset::iris().prepare(prepare);
    K::FitOptions fit{.epochs = options.epochs};
    K::EvaluateOptions evaluate;
    if (options.replicas > 1) {
        data.xTrain = leadingRows(data.xTrain, options.replicas);
        data.yTrain = leadingRows(data.yTrain, options.replicas);
        data.xTest = leadingRows(data.xTest, options.replicas);
        data.yTest = leadingRows(data.yTest, options.replicas);
        fit.batchSize = 8 * options.replicas;
        evaluate.batchSize = 8 * options.replicas;
    }

    // Every process builds and trains the same model; nothing is waited on until every
    // process has its commands, since the steps of a job are collective.
    std::vector<std::unique_ptr<K::Sequential>> models;
    std::vector<K::Training> trainings;
    QFuture<K::ModelInfo> info;
    for (Session* session : sessions) {
        auto model = std::make_unique<K::Sequential>(*session);
        model->add(K::InputLayer({4}));
        model->add(K::Dense(16));
        model->add(K::Activation("sigmoid"));
        model->add(K::Dense(3));
        QFuture<K::ModelInfo> added = model->add(K::Activation("softmax"));
        if (models.empty())
            info = added;
        model->compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});
        trainings.push_back(model->fit(data.xTrain, data.yTrain, fit));
        models.push_back(std::move(model));
    }
    K::Training& training = trainings.front();
    if (options.onEpoch) {
        QObject::connect(training.history().get(), &K::TrainingHistory::epochEnded,
                         training.history().get(),
                         [onEpoch = options.onEpoch, history = training.history().get()](
                             int epoch, const QMap<QString, double>& logs) {
                             onEpoch(epoch, history->plannedEpochs().value_or(0), logs);
                         });
    }
    // Deliver the history's signals while fit() runs.
    for (const K::Training& t : trainings)
        await(t.future());
    const std::shared_ptr<K::TrainingHistory> history = training.result();
    std::vector<QFuture<K::Scores>> scores;
    for (const auto& model : models)
        scores.push_back(model->evaluate(data.xTest, data.yTest, evaluate));
    for (const QFuture<K::Scores>& s : scores)
        await(s);

    IrisResult result;
    result.testAccuracy = scores.front().result().value(QStringLiteral("accuracy"));
    result.testLoss = scores.front().result().value(QStringLiteral("loss"));
    result.epochs = history->epochCount();
    result.params = info.result().totalParams;
    result.trainSeconds = history->totalSeconds();
    result.trainRows = data.xTrain.shape().front();
    result.testRows = data.xTest.shape().front();
    result.script = models.front()->exportScript();
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
    const QCommandLineOption devices(
        QStringLiteral("devices"),
        QStringLiteral("Train data-parallel on N devices of each process (simulated CPU "
                       "devices when there is no accelerator)."),
        QStringLiteral("n"));
    const QCommandLineOption processes(
        QStringLiteral("processes"),
        QStringLiteral("Train in a JAX job of N worker processes on this host."),
        QStringLiteral("n"));
    parser.addOptions({demo, headless, json, epochs, script, devices, processes});
    parser.process(app);

    QTextStream err(stderr);
    if (parser.value(demo) != QLatin1String("iris")) {
        err << "qtkeras: --headless needs --demo iris\n";
        return 2;
    }
    bool devicesOk = true;
    bool processesOk = true;
    const int deviceCount = parser.isSet(devices) ? parser.value(devices).toInt(&devicesOk) : 0;
    const int processCount =
        parser.isSet(processes) ? parser.value(processes).toInt(&processesOk) : 1;
    if (!devicesOk || !processesOk || deviceCount < 0 || processCount < 1 ||
        (parser.isSet(devices) && deviceCount < 1)) {
        err << "qtkeras: --devices and --processes take a whole number of at least 1\n";
        return 2;
    }
    QElapsedTimer clock;
    clock.start();
    std::unique_ptr<keras::ProcessGroup> job;
    try {
        std::unique_ptr<Session> single;
        std::vector<Session*> sessions;
        if (processCount > 1) {
            keras::ProcessGroupOptions jobOptions;
            jobOptions.processes = processCount;
            jobOptions.cpuDevicesPerProcess = deviceCount;
            job = std::make_unique<keras::ProcessGroup>(jobOptions);
            const keras::GroupInfo group = await(job->start());
            err << "job of " << processCount << " processes, coordinator " << group.coordinator
                << ", devices " << group.devices.join(QStringLiteral(", ")) << Qt::endl;
            for (int i = 0; i < job->size(); ++i)
                sessions.push_back(&job->session(i));
        } else {
            SessionOptions sessionOptions;
            if (deviceCount > 0)
                sessionOptions.worker.extraArguments << QStringLiteral("--cpu-devices")
                                                     << QString::number(deviceCount);
            single = std::make_unique<Session>(sessionOptions);
            sessions.push_back(single.get());
        }
        Session& session = *sessions.front();
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
        keras::DistributionInfo distribution;
        if (job) {
            distribution = await(job->setDistribution(keras::Distribution::dataParallel()));
        } else if (deviceCount > 0) {
            distribution = await(
                keras::setDistribution(session, keras::Distribution::dataParallel(deviceCount)));
        }
        if (distribution.active) {
            options.replicas = distribution.replicas;
            err << "data-parallel on " << distribution.devices.join(QStringLiteral(", "))
                << Qt::endl;
        }
        const IrisResult result = runIris(sessions, options);
        if (options.replicas > 1)
            err << "trained on " << result.trainRows << " rows and tested on " << result.testRows
                << " (multiples of the " << options.replicas << " replicas)" << Qt::endl;
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
                {"worker_host", "localhost"},
                {"processes", processCount},
                {"devices", distribution.active ? distribution.devices.size() : 1},
                {"distribution",
                 distribution.active ? nlohmann::json("data-parallel") : nlohmann::json(nullptr)},
            };
            std::cout << line.dump() << std::endl;
        }
        return 0;
    } catch (const std::exception& e) {
        const QString why =
            job && job->failure() ? job->failure()->message() : QString::fromUtf8(e.what());
        err << "qtkeras: the iris demo failed: " << why << Qt::endl;
        return 1;
    }
}

} // namespace qk::examples
