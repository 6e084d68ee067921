// SPDX-License-Identifier: GPL-3.0-or-later
// `qtkeras --demo iris` as a user sees it, with the real worker: in-process on the code path
// of main.cpp (the window, the demo, its screenshot), then the installed-style binary itself
// as a child process on the offscreen platform. The builder shows the paper's iris network
// with Keras' shapes and 131 parameters, the history charts hold one point per trained epoch
// for loss, accuracy and their val_ twins, the test accuracy in the status bar is at least
// 0.9, the screenshot is a PNG of the window's size, and the program exits 0.
#include "app/document.h"
#include "app/irisguidemo.h"
#include "app/layermodel.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/screenshot.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/metricchart.h"
#include "inspectors/traininghistoryview.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QImage>
#include <QImageReader>
#include <QLabel>
#include <QLineSeries>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

namespace {

// The accuracy the status bar reports ("… test accuracy 0.967 …"); negative when none.
double reportedTestAccuracy(const QString& message) {
    static const QRegularExpression pattern(QStringLiteral("test accuracy ([0-9.]+)"));
    const QRegularExpressionMatch match = pattern.match(message);
    return match.hasMatch() ? match.captured(1).toDouble() : -1;
}

// A PNG file's format and pixel size as an image reader sees them.
struct PngFile {
    QByteArray format;
    QSize size;
};

PngFile readPng(const QString& path) {
    QImageReader reader(path);
    reader.setDecideFormatFromContent(true);
    PngFile png;
    png.format = reader.format();
    const QImage image = reader.read();
    png.size = image.isNull() ? QSize() : image.size();
    return png;
}

} // namespace

class TestDemo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void irisDemoInTheWindow();
    void irisDemoProgramExitsWithItsScreenshot();
};

void TestDemo::initTestCase() {
    qk::test::useFreshSettings();
}

void TestDemo::irisDemoInTheWindow() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString shot = dir.filePath(QStringLiteral("demo.png"));

    // What main.cpp does for `qtkeras --demo iris --screenshot FILE`.
    SessionHost host(qk::test::workerOptions());
    MainWindow window(host);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* demo = new IrisGuiDemo(host, window.document(), window.workspace(), window, shot);
    QSignalSpy finished(demo, &IrisGuiDemo::finished);
    // While it trains: when the 60th epoch is reported, the charts hold the epochs reported
    // so far and the run still counts as running. The window at that moment is the README's
    // main picture, written to $QTKERAS_SCREENSHOT_DIR when it is set.
    TrainingController& trainer = window.workspace().trainer();
    constexpr int Observed = 60;
    int pointsWhileTraining = -1;
    bool runningWhenObserved = false;
    QImage whileTraining;
    QObject scope; // the connections end with this function, before what they use
    connect(&trainer, &TrainingController::started, &scope,
            [&](const std::shared_ptr<keras::TrainingHistory>& live) {
                keras::TrainingHistory* run = live.get();
                connect(run, &keras::TrainingHistory::epochEnded, &scope, [&, run](int epoch) {
                    if (epoch != Observed)
                        return;
                    inspectors::TrainingHistoryView* view = window.workspace().historyView();
                    view->redrawNow();
                    const QLineSeries* loss =
                        view->chart(QStringLiteral("loss"))->line(run, "loss");
                    pointsWhileTraining = loss ? static_cast<int>(loss->count()) : 0;
                    runningWhenObserved = trainer.isRunning();
                    whileTraining = grabWithDialogs(&window);
                });
            });
    demo->start();
    QVERIFY2(finished.wait(240000) || !finished.isEmpty(), "the demo did not finish");
    QVERIFY2(pointsWhileTraining >= Observed, qPrintable(QString::number(pointsWhileTraining)));
    QVERIFY(runningWhenObserved);
    if (const QString shots = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR"); !shots.isEmpty())
        QVERIFY(whileTraining.save(shots + QStringLiteral("/screenshot-main.png")));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(window.statusBar()->currentMessage()));

    // The builder: the paper's network, each layer with the shape and parameters Keras gave.
    Workspace& workspace = window.workspace();
    QVERIFY(waitUntil([&] { return workspace.shapes().isUpToDate(); }, 60000));
    const QAbstractItemModel* layers = workspace.builder()->model();
    QCOMPARE(layers->rowCount(), 5);
    const QStringList classes = {QStringLiteral("InputLayer"), QStringLiteral("Dense"),
                                 QStringLiteral("Activation"), QStringLiteral("Dense"),
                                 QStringLiteral("Activation")};
    const QStringList shapes = {QStringLiteral("(None, 4)"), QStringLiteral("(None, 16)"),
                                QStringLiteral("(None, 16)"), QStringLiteral("(None, 3)"),
                                QStringLiteral("(None, 3)")};
    const QList<qint64> params = {0, 80, 0, 51, 0};
    for (int row = 0; row < 5; ++row) {
        const QModelIndex index = layers->index(row, 0);
        QCOMPARE(index.data(LayerModel::ClassNameRole).toString(), classes.at(row));
        QCOMPARE(index.data(LayerModel::OutputShapeRole).toString(), shapes.at(row));
        QCOMPARE(index.data(LayerModel::ParamsRole).toLongLong(), params.at(row));
        QVERIFY(index.data(LayerModel::ErrorRole).toString().isEmpty());
    }
    QVERIFY2(workspace.builder()->totalLabel()->text().contains(QStringLiteral("131")),
             qPrintable(workspace.builder()->totalLabel()->text()));

    // The history: one point per trained epoch on every line, training and validation.
    const std::shared_ptr<keras::TrainingHistory> history = trainer.history();
    QVERIFY(history);
    QCOMPARE(history->epochCount(), IrisGuiDemo::Epochs);
    inspectors::TrainingHistoryView* view = workspace.historyView();
    for (const char* metric : {"loss", "val_loss", "accuracy", "val_accuracy"}) {
        const QString name = QString::fromLatin1(metric);
        inspectors::MetricChart* chart = view->chart(name);
        QVERIFY2(chart, metric);
        QVERIFY2(chart->isVisible(), metric);
        const QLineSeries* line = chart->line(history.get(), name);
        QVERIFY2(line, metric);
        QCOMPARE(line->count(), IrisGuiDemo::Epochs);
    }
    // Both charts whole in the dock, side by side: not cut off by the edge of their area.
    QCOMPARE(view->charts().size(), 2);
    for (inspectors::MetricChart* chart : view->charts()) {
        QWidget* area = chart->parentWidget()->parentWidget(); // the scroll area's viewport
        const QRect shown(chart->mapTo(area, QPoint(0, 0)), chart->size());
        QVERIFY2(area->rect().contains(shown), qPrintable(chart->metricName()));
    }
    QCOMPARE(view->charts().at(0)->y(), view->charts().at(1)->y());

    // The score on the held-out rows, as the status bar shows it.
    const QString message = window.statusBar()->currentMessage();
    QVERIFY2(reportedTestAccuracy(message) >= 0.9, qPrintable(message));
    QCOMPARE(reportedTestAccuracy(message), std::round(demo->testAccuracy() * 1000) / 1000);

    const PngFile png = readPng(shot);
    QCOMPARE(png.format, QByteArray("png"));
    QCOMPARE(png.size, window.size() * window.devicePixelRatio());
}

void TestDemo::irisDemoProgramExitsWithItsScreenshot() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString shot = dir.filePath(QStringLiteral("program.png"));
    QProcess program;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    env.insert(QStringLiteral("KERAS_BACKEND"), QStringLiteral("jax"));
    // A first start: no saved settings, so the window has its default size.
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
    program.setProcessEnvironment(env);
    program.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    program.start(
        QStringLiteral(QTKERAS_TEST_APP),
        {QStringLiteral("--demo"), QStringLiteral("iris"), QStringLiteral("--screenshot"), shot});
    QVERIFY2(program.waitForFinished(240000), "qtkeras --demo iris did not exit");
    QCOMPARE(program.exitStatus(), QProcess::NormalExit);
    QCOMPARE(program.exitCode(), 0);
    const PngFile png = readPng(shot);
    QCOMPARE(png.format, QByteArray("png"));
    QCOMPARE(png.size, QSize(1280, 800));
}

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
