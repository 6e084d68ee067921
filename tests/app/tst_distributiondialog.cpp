// SPDX-License-Identifier: GPL-3.0-or-later
// Model ▸ Distribution… with the real worker: the dialog lists the worker's devices, its
// layout view shows for every variable of the document's network the rule that matches it, the
// sharding and the shard shape, marks a rule that matches nothing and a dimension the mesh does
// not divide, and a data-parallel choice trains on the simulated devices the dialog set.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/distributiondialog.h"
#include "app/document.h"
#include "app/layoutreportmodel.h"
#include "app/layoutrulesmodel.h"
#include "app/trainingcontroller.h"
#include "app/workersettings.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

class TestDistributionDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void layoutViewShowsRulesShardsAndWhatMatchesNothing();
    void unreadableRulesAreReportedWithoutPausingTheWorker();
    void dataParallelOnSimulatedDevicesTrains();
    // The same network edited as a graph: its layout is shown from the graph.
    void graphLayoutIsShown();

private:
    DistributionDialog* openDialog();

    test::IdeFixture m_ide;
};

void TestDistributionDialog::initTestCase() {
    m_ide.start(QSize(1280, 800));
    Document& document = m_ide.window->document();
    document.addLayer(keras::InputLayer({4}));
    // Named, so that the paths do not depend on how many layers the worker made before.
    document.addLayer(keras::Dense(16).activation(QStringLiteral("relu")).name("hidden"));
    document.addLayer(keras::Dense(8).name("middle"));
    document.addLayer(keras::Dense(3).activation(QStringLiteral("softmax")).name("out"));
}

void TestDistributionDialog::cleanupTestCase() {
    m_ide.stop();
}

DistributionDialog* TestDistributionDialog::openDialog() {
    QAction* action = m_ide.window->actionRegistry().action(ids::modelDistribution);
    if (!action)
        return nullptr;
    action->trigger();
    DistributionDialog* dialog = nullptr;
    waitUntil([&] { return (dialog = m_ide.window->findChild<DistributionDialog*>()) != nullptr; });
    return dialog;
}

void TestDistributionDialog::layoutViewShowsRulesShardsAndWhatMatchesNothing() {
    DistributionDialog* dialog = openDialog();
    QVERIFY(dialog);
    QVERIFY(waitUntil([dialog] { return dialog->devicesText().contains("cpu:0"); }));
    dialog->kindBox()->setCurrentIndex(2); // model-parallel
    QTest::keyClicks(dialog->meshEdit(), QStringLiteral("1 x 2"));
    QTest::keyClicks(dialog->axesEdit(), QStringLiteral("batch, model"));
    dialog->rules()->addRule({QStringLiteral(".*hidden/kernel"), {QString(), "model"}});
    dialog->rules()->addRule({QStringLiteral("middle/kernel"), {QString(), "model"}});
    dialog->rules()->addRule({QStringLiteral(".*out/kernel"), {QString(), "model"}});
    QSignalSpy shown(dialog, &DistributionDialog::layoutShown);
    QTest::mouseClick(dialog->showLayoutButton(), Qt::LeftButton);
    QVERIFY2(shown.wait(60000), qPrintable(m_ide.report()));

    const LayoutReportModel* report = dialog->report();
    QCOMPARE(report->rowCount(), 6);
    auto cell = [report](int row, int column) {
        return report->index(row, column).data().toString();
    };
    QVERIFY(cell(0, LayoutReportModel::PathColumn).endsWith("/hidden/kernel"));
    QCOMPARE(cell(0, LayoutReportModel::RuleColumn), QStringLiteral(".*hidden/kernel"));
    QCOMPARE(cell(0, LayoutReportModel::ShardingColumn), QStringLiteral("(None, 'model')"));
    QCOMPARE(cell(0, LayoutReportModel::ShardColumn), QStringLiteral("(4, 8)"));
    QCOMPARE(cell(2, LayoutReportModel::RuleColumn), QStringLiteral("none: replicated"));
    // The output layer's 3 units do not split in 2: the row says why, in red.
    QVERIFY(cell(4, LayoutReportModel::ProblemColumn).contains("does not split into 2"));
    QVERIFY(report->index(4, 0).data(Qt::ForegroundRole).isValid());
    // "middle/kernel" matches only a part of "sequential…/middle/kernel": it matches nothing.
    const QString matches =
        dialog->rules()->index(1, LayoutRulesModel::MatchesColumn).data().toString();
    QVERIFY2(matches.startsWith("nothing: matches only a part of"), qPrintable(matches));
    QVERIFY(dialog->summary().contains("Rules that match no variable: middle/kernel"));

    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        dialog->layout()->activate(); // the summary's new lines
        QVERIFY(dialog->grab().save(dir + QStringLiteral("/screenshot-distribution.png")));
    }
    dialog->reject();
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<DistributionDialog*>(); }));
}

void TestDistributionDialog::unreadableRulesAreReportedWithoutPausingTheWorker() {
    DistributionDialog* dialog = openDialog();
    QVERIFY(dialog);
    dialog->kindBox()->setCurrentIndex(2);
    dialog->meshEdit()->setText(QStringLiteral("1 x 2"));
    dialog->axesEdit()->setText(QStringLiteral("batch, model"));
    dialog->rules()->addRule({QStringLiteral("dense["), {QString(), "model"}});
    QSignalSpy shown(dialog, &DistributionDialog::layoutShown);
    QTest::mouseClick(dialog->showLayoutButton(), Qt::LeftButton);
    QVERIFY2(shown.wait(60000), qPrintable(m_ide.report()));
    QVERIFY2(dialog->summary().contains("is not a regular expression"),
             qPrintable(dialog->summary()));
    QCOMPARE(m_ide.host->workerState() == WorkerState::Paused, false);
    dialog->meshEdit()->setText(QStringLiteral("two by two"));
    QTest::mouseClick(dialog->showLayoutButton(), Qt::LeftButton);
    QVERIFY(shown.wait(5000) || shown.size() == 2);
    QVERIFY(dialog->summary().contains("The mesh shape is sizes such as 2 x 4"));
    dialog->reject();
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<DistributionDialog*>(); }));
}

void TestDistributionDialog::dataParallelOnSimulatedDevicesTrains() {
    DistributionDialog* dialog = openDialog();
    QVERIFY(dialog);
    dialog->kindBox()->setCurrentIndex(1);
    dialog->cpuDevicesSpin()->setValue(2);
    auto* box = dialog->findChild<QDialogButtonBox*>();
    QSignalSpy restarted(&m_ide.host->events(), &qk::SessionEvents::workerReady);
    QTest::mouseClick(box->button(QDialogButtonBox::Ok), Qt::LeftButton);
    // A new worker with 2 simulated devices.
    QVERIFY2(restarted.wait(60000), qPrintable(m_ide.report()));
    QCOMPARE(cpuDevices(savedWorkerOptions()), 2);
    TrainingController& trainer = m_ide.window->workspace().trainer();
    QVERIFY(trainer.distribution());
    QCOMPARE(trainer.distribution()->description(), QStringLiteral("data-parallel on all devices"));

    TrainingSettings settings = m_ide.window->document().trainingSettings();
    settings.epochs = 3;
    settings.batchSize = 16;
    m_ide.window->document().setTrainingSettings(settings);
    QString error;
    QVERIFY2(trainer.train(&error), qPrintable(error));
    QVERIFY2(waitUntil([&] { return !trainer.isRunning(); }, 120000), qPrintable(m_ide.report()));
    QCOMPARE(trainer.history()->epochCount(), 3);
    const Value described =
        m_ide.host->session()
            .run(QStringLiteral("__import__('qtkeras_worker.distribution', "
                                "fromlist=['describe']).describe()['replicas']"))
            .result();
    QCOMPARE(described.toInt(), 2);
}

void TestDistributionDialog::graphLayoutIsShown() {
    m_ide.window->document().convertToGraph();
    QVERIFY(m_ide.window->document().isGraph());
    DistributionDialog* dialog = openDialog();
    QVERIFY(dialog);
    dialog->kindBox()->setCurrentIndex(2);
    dialog->meshEdit()->setText(QStringLiteral("1 x 2"));
    dialog->axesEdit()->setText(QStringLiteral("batch, model"));
    dialog->rules()->addRule({QStringLiteral(".*hidden/kernel"), {QString(), "model"}});
    QSignalSpy shown(dialog, &DistributionDialog::layoutShown);
    QTest::mouseClick(dialog->showLayoutButton(), Qt::LeftButton);
    QVERIFY2(!shown.isEmpty() || shown.wait(60000), qPrintable(m_ide.report()));
    const LayoutReportModel* report = dialog->report();
    QVERIFY2(report->rowCount() == 6, qPrintable(dialog->summary()));
    // A functional model's variables are named by their layers alone.
    QCOMPARE(report->index(0, LayoutReportModel::PathColumn).data().toString(),
             QStringLiteral("hidden/kernel"));
    QCOMPARE(report->index(0, LayoutReportModel::ShardingColumn).data().toString(),
             QStringLiteral("(None, 'model')"));
    dialog->reject();
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<DistributionDialog*>(); }));
}

QTEST_MAIN(TestDistributionDialog)
#include "tst_distributiondialog.moc"
