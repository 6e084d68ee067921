// SPDX-License-Identifier: GPL-3.0-or-later
// Hyper-parameter search from the Training panel with the real window, worker and KerasTuner:
// a 3-trial search over a Dense layer's units and the learning rate on two trial processes,
// each trial a run of the chart named with its values, the trials table sorted by the
// objective, and "Open Best in Builder" setting the builder's arguments in one undoable step;
// then the same over a node of a graph of two inputs, each fed its own columns, and over a
// graph of two outputs without names, trained and searched on one output's metric.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/catalogsource.h"
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/modelgraph.h"
#include "app/searchcontroller.h"
#include "app/searchdialog.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "app/workersmodel.h"
#include "app/workerspanel.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/search.h"
#include "inspectors/searchtrialmodel.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLayout>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

class TestSearchPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parseRangeReadsTheDialogsRanges_data();
    void parseRangeReadsTheDialogsRanges();
    void parseRangeRefusesWhatItCannotRead_data();
    void parseRangeRefusesWhatItCannotRead();
    void initTestCase();
    void cleanupTestCase();
    void searchFromTheTrainingPanelOpensTheBestInTheBuilder();
    void graphSearchVariesANodeAndOpensTheBestInTheGraph();
    void outputsWithoutNamesAreNamedByTheirPlace();

private:
    qk::test::IdeFixture m_ide;
};

void TestSearchPanel::parseRangeReadsTheDialogsRanges_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<double>("step");
    QTest::addColumn<bool>("log");
    using Kind = keras::HyperParameter::Kind;
    QTest::newRow("int step") << "8..64 step 8" << true << int(Kind::Int) << 8.0 << 64.0 << 8.0
                              << false;
    QTest::newRow("int") << " 1 .. 4 " << true << int(Kind::Int) << 1.0 << 4.0 << 1.0 << false;
    QTest::newRow("log") << "1e-4..0.1 log" << false << int(Kind::Float) << 1e-4 << 0.1 << 0.0
                         << true;
    QTest::newRow("float") << "0..0.5" << false << int(Kind::Float) << 0.0 << 0.5 << 0.0 << false;
    QTest::newRow("choices") << "relu, tanh" << false << int(Kind::Choice) << 0.0 << 0.0 << 0.0
                             << false;
}

void TestSearchPanel::parseRangeReadsTheDialogsRanges() {
    QFETCH(QString, text);
    QFETCH(bool, integer);
    QFETCH(int, kind);
    const keras::HyperParameter hp = parseRange(QStringLiteral("x"), text, integer);
    QCOMPARE(int(hp.kind()), kind);
    QCOMPARE(hp.name(), QStringLiteral("x"));
    if (hp.kind() == keras::HyperParameter::Kind::Choice) {
        QCOMPARE(hp.values().size(), std::size_t(2));
        QCOMPARE(hp.values()[1].toString(), QStringLiteral("tanh"));
        return;
    }
    QTEST(hp.min(), "min");
    QTEST(hp.max(), "max");
    QTEST(hp.step(), "step");
    QTEST(hp.log(), "log");
}

void TestSearchPanel::parseRangeRefusesWhatItCannotRead_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << "" << true << "empty";
    QTest::newRow("reversed") << "64..8" << true << "is empty";
    QTest::newRow("fraction for units") << "3.5..8" << true << "not a whole number";
    QTest::newRow("log of zero") << "0..1 log" << false << "above 0";
    QTest::newRow("one choice") << "relu" << false << "at least two choices";
    QTest::newRow("log for units") << "1..8 log" << true << "whole numbers";
}

void TestSearchPanel::parseRangeRefusesWhatItCannotRead() {
    QFETCH(QString, text);
    QFETCH(bool, integer);
    QFETCH(QString, reason);
    try {
        parseRange(QStringLiteral("units"), text, integer);
        QFAIL("accepted");
    } catch (const std::invalid_argument& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(reason), e.what());
    }
}

void TestSearchPanel::initTestCase() {
    m_ide.start(QSize(1280, 800));
    if (QTest::currentTestFailed())
        return;
    Document& document = m_ide.window->document();
    document.undoStack()->beginMacro(QStringLiteral("iris"));
    document.addLayer(keras::InputLayer({4}));
    // As the C++ API writes it: the units by position (Dense(16, activation='relu')).
    document.addLayer(keras::Dense(16).activation(QStringLiteral("relu")));
    document.addLayer(keras::Layer(
        QStringLiteral("Dense"),
        {{QStringLiteral("units"), 3}, {QStringLiteral("activation"), QStringLiteral("softmax")}}));
    CompileSettings compile = document.compileSettings();
    compile.optimizer.set(QStringLiteral("learning_rate"), 0.01);
    document.setCompileSettings(compile);
    TrainingSettings training = document.trainingSettings();
    training.epochs = 3;
    training.validationSplit = 0.2;
    document.setTrainingSettings(training);
    document.undoStack()->endMacro();
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().catalog().isLoaded(); }, 60000),
             qPrintable(m_ide.report()));
}

void TestSearchPanel::cleanupTestCase() {
    m_ide.stop();
}

void TestSearchPanel::searchFromTheTrainingPanelOpensTheBestInTheBuilder() {
    Workspace& workspace = m_ide.window->workspace();
    Document& document = m_ide.window->document();
    const int denseId = document.layerAt(1).id;
    QAbstractItemModelTester tester(&workspace.searcher().trials(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);

    auto* panel = m_ide.window->findChild<TrainingSettingsPanel*>();
    QVERIFY(panel);
    panel->searchButton()->click();
    SearchDialog* dialog = workspace.searchDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));

    // The builder's numeric arguments are offered with ranges around their values, the units
    // given by position too.
    const int unitsRow = dialog->rangeRow(denseId, QStringLiteral("units"));
    const int rateRow = dialog->rangeRow(0, QStringLiteral("learning_rate"));
    QVERIFY(unitsRow >= 0 && rateRow >= 0);
    QTableWidget* ranges = dialog->rangeTable();
    QCOMPARE(ranges->item(unitsRow, SearchDialog::RangeTextColumn)->text(),
             QStringLiteral("8..32 step 8"));
    QCOMPARE(ranges->item(rateRow, SearchDialog::RangeTextColumn)->text(),
             QStringLiteral("0.001..0.1 log"));
    QCOMPARE(dialog->objectiveCombo()->currentText(), QStringLiteral("val_loss"));

    // Nothing chosen, or a range that cannot be read: the reason, and nothing runs.
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QCOMPARE(dialog->statusLabel()->text(),
             QStringLiteral("Choose at least one argument to search."));
    ranges->item(unitsRow, SearchDialog::SearchColumn)->setCheckState(Qt::Checked);
    ranges->item(unitsRow, SearchDialog::RangeTextColumn)->setText(QStringLiteral("4..3.5"));
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY2(dialog->statusLabel()->text().contains(QStringLiteral("not a whole number")),
             qPrintable(dialog->statusLabel()->text()));
    QVERIFY(!workspace.searcher().isRunning());
    ranges->item(unitsRow, SearchDialog::RangeTextColumn)->setText(QStringLiteral("4..32 step 4"));
    ranges->item(rateRow, SearchDialog::SearchColumn)->setCheckState(Qt::Checked);
    dialog->maxTrialsSpin()->setValue(3);
    dialog->processesSpin()->setValue(2);
    dialog->epochsSpin()->setValue(3);

    QSignalSpy finished(&workspace.searcher(), &SearchController::finished);
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY2(workspace.searcher().isRunning(), qPrintable(dialog->statusLabel()->text()));
    QVERIFY(!dialog->startButton()->isEnabled());
    QVERIFY(dialog->stopButton()->isEnabled());
    // The session's worker holds the tuner: no training run beside the search.
    QAction* train = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(!train->isEnabled());
    // Trials stream into the chart while they run, each as a run named with its values.
    inspectors::TrainingRunModel& runs = workspace.historyView()->runs();
    int liveEpochs = 0;
    // The connections end with this function (declared after what they use, so gone first):
    // the next test's trials must not reach its locals.
    QObject scope;
    connect(&workspace.searcher(), &SearchController::trialStarted, &scope,
            [&](const std::shared_ptr<keras::TrainingHistory>& history, const QString& name) {
                QCOMPARE(runs.name(runs.rowCount() - 1), name);
                connect(history.get(), &keras::TrainingHistory::epochEnded, &scope,
                        [&liveEpochs, dialog, history = history.get()] {
                            if (history->isFinished())
                                return;
                            if (++liveEpochs == 1)
                                qk::test::saveScreenshot(dialog, QStringLiteral("search-running"));
                        });
            });
    // The Workers panel lists the two trial processes after the session's own worker, each
    // with its process and versions once it runs.
    WorkersModel* workers = m_ide.window->findChild<WorkersPanel*>()->model();
    QCOMPARE(workers->rowCount(), 3);
    QVERIFY(waitUntil(
        [workers] {
            return workers->entry(1).pid > 0 && workers->entry(2).pid > 0 &&
                   !workers->entry(1).python.isEmpty();
        },
        120000));
    QVERIFY(workers->entry(1).pid != workers->entry(2).pid);
    QVERIFY(workers->entry(1).pid != workers->current().pid);
    QCOMPARE(workers->index(2, WorkersModel::WorkerColumn).data().toString(),
             QStringLiteral("this computer · search trial process 2"));
    const QString state = workers->index(1, WorkersModel::StateColumn).data().toString();
    QVERIFY2(state == QLatin1String("ready") || state == QLatin1String("busy"), qPrintable(state));
    qk::test::saveScreenshot(m_ide.window->findChild<WorkersPanel*>(),
                             QStringLiteral("search-workers"));
    QVERIFY2(finished.wait(600000) || finished.count() == 1, "the search did not end");
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));

    QCOMPARE(runs.rowCount(), 3);
    QCOMPARE(liveEpochs, 3 * 3);
    const QRegularExpression title(QStringLiteral(R"(^trial \d · units=\d+ lr=[0-9.e-]+$)"));
    for (int row = 0; row < runs.rowCount(); ++row) {
        QVERIFY2(title.match(runs.name(row)).hasMatch(), qPrintable(runs.name(row)));
        QCOMPARE(runs.history(row).epochCount(), 3);
    }

    // The trials table: best first by val_loss.
    QTableView* view = dialog->trialView();
    QAbstractItemModel* table = view->model();
    QCOMPARE(table->rowCount(), 3);
    QList<double> scores;
    for (int row = 0; row < 3; ++row) {
        bool ok = false;
        scores << table->index(row, inspectors::SearchTrialModel::ScoreColumn)
                      .data()
                      .toString()
                      .toDouble(&ok);
        QVERIFY(ok);
        QCOMPARE(table->index(row, inspectors::SearchTrialModel::StatusColumn).data().toString(),
                 QStringLiteral("completed"));
    }
    QVERIFY2(std::is_sorted(scores.begin(), scores.end()), "the table is not best first");
    const std::optional<keras::Trial>& best = workspace.searcher().best();
    QVERIFY(best);
    QCOMPARE(table->index(0, inspectors::SearchTrialModel::TrialColumn).data().toInt(),
             best->number());
    QVERIFY(dialog->openBestButton()->isEnabled());
    QVERIFY(train->isEnabled());
    view->resizeColumnsToContents();
    qk::test::saveScreenshot(dialog, QStringLiteral("search-trials"));
    workspace.historyView()->redrawNow();
    qk::test::saveScreenshot(workspace.historyView(), QStringLiteral("search-history"));

    // Open Best sets both arguments in one undoable step.
    qint64 bestUnits = 0;
    double bestRate = 0;
    for (const auto& [name, value] : best->values) {
        if (name == QLatin1String("units"))
            bestUnits = value.toInt();
        if (name == QLatin1String("lr"))
            bestRate = value.toDouble();
    }
    QVERIFY(bestUnits >= 4 && bestUnits <= 32 && bestRate >= 0.001 && bestRate <= 0.1);
    const int undoBefore = document.undoStack()->count();
    const keras::Layer before = document.layerAt(document.indexOf(denseId)).layer;
    QTest::mouseClick(dialog->openBestButton(), Qt::LeftButton);
    const auto units = [&document, denseId] {
        const std::optional<keras::Argument> given =
            document.layerAt(document.indexOf(denseId)).layer.get(QStringLiteral("units"));
        return given ? given->value().toInt() : qint64(-1);
    };
    // The layer's code says units once, by name: Python would refuse it given twice.
    const QString code = document.layerAt(document.indexOf(denseId)).layer.expr().source();
    QVERIFY2(code.count(QStringLiteral("units=")) == 1 && !code.contains(QStringLiteral("(16")),
             qPrintable(code));
    const auto rate = [&document] {
        return document.compileSettings()
            .optimizer.get(QStringLiteral("learning_rate"))
            ->value()
            .toDouble();
    };
    QCOMPARE(units(), bestUnits);
    QCOMPARE(rate(), bestRate);
    QCOMPARE(document.undoStack()->count(), undoBefore + 1);
    document.undoStack()->undo();
    QVERIFY(document.layerAt(document.indexOf(denseId)).layer == before);
    QCOMPARE(rate(), 0.01);
    document.undoStack()->redo();
    QCOMPARE(units(), bestUnits);
}

void TestSearchPanel::graphSearchVariesANodeAndOpensTheBestInTheGraph() {
    Workspace& workspace = m_ide.window->workspace();
    Document& document = m_ide.window->document();
    const auto dense = [](int units, const char* activation) {
        return keras::Layer(QStringLiteral("Dense"),
                            {{QStringLiteral("units"), units},
                             {QStringLiteral("activation"), QString::fromLatin1(activation)}});
    };
    // Two inputs, each fed two of iris' columns (as the Data panel chooses them).
    ModelGraph graph;
    graph.nodes.push_back({101, keras::InputLayer({2}), 0, {}, {}, false});
    graph.nodes.push_back({106, keras::InputLayer({2}), 0, {}, {}, false});
    graph.nodes.push_back({102, dense(16, "relu"), 0, {}, {}, false});
    graph.nodes.push_back({103, dense(8, "tanh"), 0, {}, {}, false});
    graph.nodes.push_back({104, keras::Concatenate(), 0, {}, {}, false});
    graph.nodes.push_back({105, dense(3, "softmax"), 0, {}, {}, false});
    graph.edges = {{101, -1, 102, QStringLiteral("inputs")},
                   {106, -1, 103, QStringLiteral("inputs")},
                   {102, -1, 104, QStringLiteral("inputs")},
                   {103, -1, 104, QStringLiteral("inputs")},
                   {104, -1, 105, QStringLiteral("inputs")}};
    document.setGraph(graph, QStringLiteral("two branches"));
    QVERIFY(document.isGraph());
    DataSource data = document.dataSource();
    data.inputs = {{101, {QStringLiteral("sepal_length"), QStringLiteral("sepal_width")}, {}},
                   {106, {QStringLiteral("petal_length"), QStringLiteral("petal_width")}, {}}};
    document.setDataSource(data);

    auto* panel = m_ide.window->findChild<TrainingSettingsPanel*>();
    QVERIFY(panel);
    panel->searchButton()->click();
    SearchDialog* dialog = workspace.searchDialog();
    QVERIFY(dialog);
    QTableWidget* ranges = dialog->rangeTable();
    // Every node's numeric arguments are offered, named by class and order; only the ones
    // chosen here are searched.
    for (int row = 0; row < ranges->rowCount(); ++row)
        ranges->item(row, SearchDialog::SearchColumn)->setCheckState(Qt::Unchecked);
    QVERIFY(dialog->rangeRow(102, QStringLiteral("units")) >= 0);
    const int row = dialog->rangeRow(103, QStringLiteral("units"));
    QVERIFY(row >= 0);
    QCOMPARE(ranges->item(row, SearchDialog::LayerColumn)->text(), QStringLiteral("Dense 2"));
    ranges->item(row, SearchDialog::SearchColumn)->setCheckState(Qt::Checked);
    ranges->item(row, SearchDialog::RangeTextColumn)->setText(QStringLiteral("4, 12"));
    dialog->maxTrialsSpin()->setValue(2);
    dialog->processesSpin()->setValue(1);
    dialog->epochsSpin()->setValue(2);

    inspectors::TrainingRunModel& runs = workspace.historyView()->runs();
    const int runsBefore = runs.rowCount();
    WorkersModel* workers = m_ide.window->findChild<WorkersPanel*>()->model();
    QSignalSpy finished(&workspace.searcher(), &SearchController::finished);
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY2(workspace.searcher().isRunning(), qPrintable(dialog->statusLabel()->text()));
    // The new search's one trial process replaces the two of the search before.
    QCOMPARE(workers->rowCount(), 2);
    QCOMPARE(workers->entry(1).trialProcess, 1);
    QVERIFY2(finished.wait(600000) || finished.count() == 1, "the search did not end");
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));

    // Both choices were tried: the tuner met the range while the graph was built.
    QCOMPARE(runs.rowCount(), runsBefore + 2);
    QStringList titles;
    for (int r = runsBefore; r < runs.rowCount(); ++r) {
        titles << runs.name(r).section(QStringLiteral(" · "), 1);
        QCOMPARE(runs.history(r).epochCount(), 2);
    }
    titles.sort();
    QCOMPARE(titles, QStringList({QStringLiteral("units=12"), QStringLiteral("units=4")}));
    qk::test::saveScreenshot(dialog, QStringLiteral("search-graph"));

    // Open Best sets that node's argument, and only it, in one undoable step.
    const std::optional<keras::Trial>& best = workspace.searcher().best();
    QVERIFY(best);
    const qint64 bestUnits = best->values.front().second.toInt();
    const auto units = [&document](int node) {
        return document.findLayer(node)->get(QStringLiteral("units"))->value().toInt();
    };
    const int undoBefore = document.undoStack()->count();
    QTest::mouseClick(dialog->openBestButton(), Qt::LeftButton);
    QCOMPARE(units(103), bestUnits);
    QCOMPARE(units(102), qint64(16));
    QCOMPARE(document.undoStack()->count(), undoBefore + 1);
    document.undoStack()->undo();
    QCOMPARE(units(103), qint64(8));
}

void TestSearchPanel::outputsWithoutNamesAreNamedByTheirPlace() {
    // Two heads without names. Keras would name their metrics after layer names it counts in
    // the process that builds the model ("dense_7_accuracy"), another in every build; the model
    // names them by their place, and two search trials in one process score on the second's.
    Workspace& workspace = m_ide.window->workspace();
    Document& document = m_ide.window->document();
    const auto softmax = [] { return keras::Dense(3).activation(QStringLiteral("softmax")); };
    ModelGraph graph;
    graph.nodes.push_back({201, keras::InputLayer({4}), 0, {}, {}, false});
    graph.nodes.push_back(
        {202, keras::Dense(8).activation(QStringLiteral("relu")), 0, {}, {}, false});
    graph.nodes.push_back({203, softmax(), 0, {}, {}, false});
    graph.nodes.push_back({204, softmax(), 0, {}, {}, false});
    graph.edges = {{201, -1, 202, QStringLiteral("inputs")},
                   {202, -1, 203, QStringLiteral("inputs")},
                   {202, -1, 204, QStringLiteral("inputs")}};
    document.setGraph(graph, QStringLiteral("two heads"));
    DataSource data = document.dataSource();
    data.inputs.clear();
    data.outputs = {{203, QStringLiteral("species")}, {204, QStringLiteral("species")}};
    document.setDataSource(data);
    QCOMPARE(TrainingController::whyNotTrainable(document), QString());

    // Trained twice in one worker, the model's metrics keep their names: Keras' own names for
    // the heads would count on ("dense_4_accuracy", then "dense_7_accuracy"), and the runs
    // would not share a chart.
    TrainingController& trainer = workspace.trainer();
    QStringList trainedMetrics;
    for (int run = 0; run < 2; ++run) {
        QSignalSpy trained(&trainer, &TrainingController::finished);
        QString error;
        QVERIFY2(trainer.train(&error), qPrintable(error));
        QVERIFY2(trained.wait(120000) || trained.count() == 1, qPrintable(m_ide.report()));
        QVERIFY2(trained.first().at(0).toBool(), qPrintable(trained.first().at(1).toString()));
        const QStringList metrics = trainer.history()->metricNames();
        QVERIFY2(metrics.contains(QStringLiteral("val_output_2_accuracy")),
                 qPrintable(metrics.join(u',')));
        if (run == 1)
            QCOMPARE(metrics, trainedMetrics);
        trainedMetrics = metrics;
    }
    workspace.historyView()->redrawNow();
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("two-heads-two-runs"));

    m_ide.window->findChild<TrainingSettingsPanel*>()->searchButton()->click();
    SearchDialog* dialog = workspace.searchDialog();
    QVERIFY(dialog);
    QStringList objectives;
    for (int i = 0; i < dialog->objectiveCombo()->count(); ++i)
        objectives << dialog->objectiveCombo()->itemText(i);
    for (const char* objective :
         {"val_loss", "output_1_loss", "val_output_1_accuracy", "val_output_2_accuracy"})
        QVERIFY2(objectives.contains(QLatin1String(objective)), qPrintable(objectives.join(u',')));
    QTableWidget* ranges = dialog->rangeTable();
    for (int row = 0; row < ranges->rowCount(); ++row)
        ranges->item(row, SearchDialog::SearchColumn)->setCheckState(Qt::Unchecked);
    const int rate = dialog->rangeRow(0, QStringLiteral("learning_rate"));
    QVERIFY(rate >= 0);
    ranges->item(rate, SearchDialog::SearchColumn)->setCheckState(Qt::Checked);
    ranges->item(rate, SearchDialog::RangeTextColumn)->setText(QStringLiteral("0.01, 0.03"));
    dialog->processesSpin()->setValue(1);
    dialog->epochsSpin()->setValue(2);

    // An objective typed in that no output has: the search ends saying why its trial failed,
    // with what the trial could have been scored on.
    dialog->objectiveCombo()->setCurrentText(QStringLiteral("val_output_3_accuracy"));
    dialog->maxTrialsSpin()->setValue(1);
    QSignalSpy finished(&workspace.searcher(), &SearchController::finished);
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY2(workspace.searcher().isRunning(), qPrintable(dialog->statusLabel()->text()));
    QVERIFY2(finished.wait(600000) || finished.count() == 1, qPrintable(m_ide.report()));
    QVERIFY(!finished.first().at(0).toBool());
    const QString failure = dialog->statusLabel()->text();
    QVERIFY2(failure.contains(QLatin1String("no scored trial")) &&
                 failure.contains(QLatin1String("Trial 1 failed")) &&
                 failure.contains(QLatin1String("val_output_3_accuracy")) &&
                 failure.contains(QLatin1String("val_output_2_accuracy")),
             qPrintable(failure));
    dialog->layout()->activate();
    qk::test::saveScreenshot(dialog, QStringLiteral("search-no-scored-trial"));
    finished.clear();

    dialog->objectiveCombo()->setCurrentText(QStringLiteral("val_output_2_accuracy"));
    dialog->maxTrialsSpin()->setValue(2);
    inspectors::TrainingRunModel& runs = workspace.historyView()->runs();
    const int runsBefore = runs.rowCount();
    QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
    QVERIFY2(workspace.searcher().isRunning(), qPrintable(dialog->statusLabel()->text()));
    QVERIFY2(finished.wait(600000) || finished.count() == 1, qPrintable(m_ide.report()));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));

    // Both trials were scored on that output, and their curves carry its name.
    QCOMPARE(runs.rowCount(), runsBefore + 2);
    for (int r = runsBefore; r < runs.rowCount(); ++r) {
        const QStringList metrics = runs.history(r).metricNames();
        QVERIFY2(metrics.contains(QStringLiteral("val_output_2_accuracy")),
                 qPrintable(metrics.join(u',')));
    }
    int scored = 0;
    const inspectors::SearchTrialModel& trials = workspace.searcher().trials();
    for (int row = 0; row < trials.rowCount(); ++row)
        scored += trials.trial(row).score ? 1 : 0;
    QCOMPARE(scored, 2);
    QVERIFY(workspace.searcher().best());
    dialog->close();
}

QTEST_MAIN(TestSearchPanel)
#include "tst_searchpanel.moc"
