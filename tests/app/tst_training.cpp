// SPDX-License-Identifier: GPL-3.0-or-later
// Training from the IDE with the real worker: the iris network of the document trained with
// the Train action, its history growing while fit() runs and shown in the history inspector;
// a long run stopped with the Stop action keeps its weights; a functional graph trains too,
// one of two inputs on the columns the Data panel chose for each.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/datafitcheck.h"
#include "app/datapanel.h"
#include "app/document.h"
#include "app/graphscene.h"
#include "app/graphview.h"
#include "app/mainwindow.h"
#include "app/modelgraph.h"
#include "app/projectactions.h"
#include "app/searchcontroller.h"
#include "app/searchdialog.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/model.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/evaluationview.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void trainsTwentyEpochsAndTheHistoryGrowsWhileItRuns();
    void stoppedRunKeepsItsWeights();
    // A graph drawn in the builder trains as a Sequential model does, and is scored.
    void graphWithTwoBranchesTrainsAndIsScored();
    // Each input of a graph gets the columns chosen for it in the Data panel.
    void graphWithTwoInputsTrainsOnTheColumnsChosenForEach();
    void graphThatDoesNotFitTheDataIsWarnedOfBeforeTraining();
    // Each output of a graph learns the label chosen for it in the Data panel.
    void graphWithTwoOutputsLearnsTheLabelChosenForEach();

private:
    TrainingController& trainer() const { return m_ide.window->workspace().trainer(); }
    void setEpochs(int epochs);
    void chooseColumns(const QString& input, const QStringList& columns);
    void chooseLabel(const QString& output, const QString& label);

    qk::test::IdeFixture m_ide;
};

void TestTraining::initTestCase() {
    m_ide.start();
    if (QTest::currentTestFailed())
        return;
    Document& document = m_ide.window->document();
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Dense(16));
    document.addLayer(keras::Activation("sigmoid"));
    document.addLayer(keras::Dense(3));
    document.addLayer(keras::Activation("softmax"));
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
    QCOMPARE(m_ide.window->workspace().shapes().totalParams(), 131);
}

void TestTraining::cleanupTestCase() {
    m_ide.stop();
}

void TestTraining::setEpochs(int epochs) {
    TrainingSettings settings = m_ide.window->document().trainingSettings();
    settings.epochs = epochs;
    settings.batchSize = 8;
    m_ide.window->document().setTrainingSettings(settings);
}

void TestTraining::trainsTwentyEpochsAndTheHistoryGrowsWhileItRuns() {
    setEpochs(20);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    QAction* train = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(train->isEnabled());
    train->trigger();
    QVERIFY(trainer().isRunning());
    QVERIFY(!train->isEnabled());
    QVERIFY(m_ide.window->actionRegistry().action(ids::modelStop)->isEnabled());
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY(history);
    // Epochs arrive while fit() still runs: the history's size at each arrival before the
    // run finished (an event-loop poll could miss the arrivals that come in a burst).
    QList<int> arrivals;
    QObject scope; // the connection ends with the locals it uses
    connect(history.get(), &keras::TrainingHistory::epochEnded, &scope, [&] {
        if (!history->isFinished() && finished.isEmpty())
            arrivals.append(history->epochCount());
    });
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 120000), qPrintable(m_ide.report()));
    QStringList seen;
    for (const int count : arrivals)
        seen.append(QString::number(count));
    qInfo("epochs in the history at each arrival during fit(): %s", qPrintable(seen.join(u',')));
    QVERIFY2(
        !arrivals.isEmpty() && arrivals.first() < 20,
        qPrintable(QStringLiteral("epochs in the history at each arrival: ") + seen.join(u',')));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(history->epochCount(), 20);
    QVERIFY(history->metricNames().contains(QStringLiteral("accuracy")));
    QVERIFY(history->series(QStringLiteral("loss")).last() <
            history->series(QStringLiteral("loss")).first());
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 1);
    QVERIFY(train->isEnabled());
}

void TestTraining::stoppedRunKeepsItsWeights() {
    setEpochs(5000);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY2(waitUntil([&] { return history->epochCount() >= 40; }, 120000),
             qPrintable(m_ide.report()));
    m_ide.window->actionRegistry().action(ids::modelStop)->trigger();
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 60000), qPrintable(m_ide.report()));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QVERIFY(history->stoppedEarly());
    QVERIFY(history->epochCount() < 5000);
    QFuture<keras::Scores> scores = trainer().evaluate();
    QVERIFY2(waitFinished(scores, 60000), qPrintable(m_ide.report()));
    // 60-odd epochs on iris: far above the one-in-three of chance.
    QVERIFY2(scores.result().value(QStringLiteral("accuracy")) > 0.8,
             qPrintable(QString::number(scores.result().value(QStringLiteral("accuracy")))));
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 2);
}

namespace {

// A graph of these nodes (id and layer) and edges (from, to: the whole output into the inputs).
ModelGraph graphOf(const std::vector<std::pair<int, keras::KerasObject>>& nodes,
                   const std::vector<std::pair<int, int>>& edges) {
    ModelGraph graph;
    for (const auto& [id, object] : nodes)
        graph.nodes.push_back({id, object, 0, {}, {}, false});
    for (const auto& [from, to] : edges)
        graph.edges.push_back({from, -1, to, QStringLiteral("inputs")});
    return graph;
}

// Iris through two branches joined again: Input(4) -> Dense(16, relu) and Dense(8, tanh) ->
// Concatenate -> Dense(3, softmax); 80 + 40 + 75 = 195 parameters.
ModelGraph twoBranches() {
    return graphOf({{101, keras::InputLayer({4})},
                    {102, keras::Dense(16).activation(QStringLiteral("relu"))},
                    {103, keras::Dense(8).activation(QStringLiteral("tanh"))},
                    {104, keras::Concatenate()},
                    {105, keras::Dense(3).activation(QStringLiteral("softmax"))}},
                   {{101, 102}, {101, 103}, {102, 104}, {103, 104}, {104, 105}});
}

} // namespace

void TestTraining::graphWithTwoBranchesTrainsAndIsScored() {
    Document& document = m_ide.window->document();
    document.setGraph(twoBranches(), QStringLiteral("two branches"));
    QVERIFY(document.isGraph());
    // The canvas that takes the list's place shows the new graph whole, at a readable size.
    auto* view = m_ide.window->findChild<GraphView*>();
    QVERIFY(view);
    QVERIFY(waitUntil([&] {
        const QRectF seen = view->mapToScene(view->viewport()->rect()).boundingRect();
        return view->isVisible() && seen.contains(view->graphScene()->graphRect());
    }));
    QVERIFY2(view->zoom() >= 0.5, qPrintable(QString::number(view->zoom())));
    setEpochs(40);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    QAction* train = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(train->isEnabled());
    train->trigger();
    QVERIFY(trainer().isRunning());
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(history->epochCount(), 40);
    QVERIFY(history->series(QStringLiteral("loss")).last() <
            history->series(QStringLiteral("loss")).first());
    // The worker trained the graph itself, not a chain of its layers.
    QVERIFY(trainer().model());
    QFuture<keras::ModelInfo> created = trainer().model()->created();
    QVERIFY2(waitFinished(created, 60000), qPrintable(m_ide.report()));
    QCOMPARE(created.result().totalParams, 195);
    QFuture<keras::Scores> scores = trainer().evaluate();
    QVERIFY2(waitFinished(scores, 60000), qPrintable(m_ide.report()));
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("training-graph"));
    const double accuracy = scores.result().value(QStringLiteral("accuracy"));
    QVERIFY2(accuracy > 0.7, qPrintable(QString::number(accuracy)));

    // Save Trained Model writes the trained graph: read back, it scores the same.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("trained.keras"));
    QString error;
    const std::optional<QFuture<Value>> saved = m_ide.window->project().saveModel(path, &error);
    QVERIFY2(saved, qPrintable(error));
    QVERIFY2(waitFinished(*saved, 60000), qPrintable(m_ide.report()));
    keras::Model loaded = keras::Model::load(m_ide.host->session(), path);
    QFuture<keras::Scores> again =
        loaded.evaluate(trainer().data()->xTest, trainer().data()->yTest);
    QVERIFY2(waitFinished(again, 60000), qPrintable(m_ide.report()));
    QCOMPARE(again.result().value(QStringLiteral("accuracy")), accuracy);

    // Export Python Script writes the graph as trained: plain Python builds the two branches,
    // trains them on the embedded rows for the run's epochs and scores them on the test rows.
    const QString script = dir.filePath(QStringLiteral("trained.py"));
    QVERIFY2(m_ide.window->project().exportScript(script, &error), qPrintable(error));
    QFile text(script);
    QVERIFY(text.open(QIODevice::ReadOnly));
    const QByteArray source = text.readAll();
    QVERIFY2(source.startsWith("# Builds, compiles and trains a functional model"),
             source.left(100).constData());
    QVERIFY(source.contains("keras.layers.Concatenate("));
    QVERIFY(!source.contains("qtkeras_worker"));
    const qk::test::ScriptRun run = qk::test::runPythonScript(script, dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), 195);
    QCOMPARE(run.lastLine.value(QStringLiteral("epochs")).toInt(), 40);
    const double scripted = run.lastLine.value(QStringLiteral("test"))
                                .toObject()
                                .value(QStringLiteral("accuracy"))
                                .toDouble();
    QVERIFY2(scripted > 0.7, qPrintable(QString::number(scripted)));
}

// Ticks the feature list's columns named, and unticks the others, for the input chosen.
void TestTraining::chooseColumns(const QString& input, const QStringList& columns) {
    DataPanel* panel = m_ide.window->findChild<DataPanel*>();
    QComboBox* inputs = panel->inputCombo();
    const int index = inputs->findText(input);
    QVERIFY2(index >= 0, qPrintable(input));
    inputs->setCurrentIndex(index);
    Q_EMIT inputs->activated(index);
    QListWidget* list = panel->featureList();
    for (int i = 0; i < list->count(); ++i) {
        QListWidgetItem* item = list->item(i);
        const Qt::CheckState wanted = columns.contains(item->text()) ? Qt::Checked : Qt::Unchecked;
        if (item->checkState() != wanted)
            panel->featureList()->item(i)->setCheckState(wanted);
    }
}

void TestTraining::graphWithTwoInputsTrainsOnTheColumnsChosenForEach() {
    // Iris as two inputs: 'sepals' and 'petals', two measurements each, each through a
    // Dense(8) of its own, joined: 24 + 24 + 51 = 99 parameters.
    ModelGraph graph = graphOf({{201, keras::InputLayer({2}).name(QStringLiteral("sepals"))},
                                {202, keras::InputLayer({2}).name(QStringLiteral("petals"))},
                                {203, keras::Dense(8).activation(QStringLiteral("relu"))},
                                {204, keras::Dense(8).activation(QStringLiteral("relu"))},
                                {205, keras::Concatenate()},
                                {206, keras::Dense(3).activation(QStringLiteral("softmax"))}},
                               {{201, 203}, {202, 204}, {203, 205}, {204, 205}, {205, 206}});
    Document& document = m_ide.window->document();
    document.setGraph(graph, QStringLiteral("two inputs"));

    // Before any columns are chosen: refused, naming the inputs that need them.
    QString error;
    QVERIFY(!trainer().train(&error));
    QVERIFY2(error.contains(QLatin1String("'sepals' and 'petals'")) &&
                 error.contains(QLatin1String("Data panel")),
             qPrintable(error));
    QVERIFY(!trainer().isRunning());
    DataPanel* panel = m_ide.window->findChild<DataPanel*>();
    QVERIFY(panel->inputCombo()->isVisibleTo(panel));
    QCOMPARE(panel->inputCombo()->count(), 2);
    QVERIFY2(panel->inputsSummary()->text().contains(QLatin1String("no columns yet")),
             qPrintable(panel->inputsSummary()->text()));

    // Three columns for a two-wide input: warned of in the data's terms; then made to fit.
    const DataFitCheck& fit = m_ide.window->workspace().dataFit();
    chooseColumns(QStringLiteral("'sepals'"),
                  {QStringLiteral("sepal_length"), QStringLiteral("sepal_width")});
    chooseColumns(QStringLiteral("'petals'"),
                  {QStringLiteral("sepal_length"), QStringLiteral("petal_length"),
                   QStringLiteral("petal_width")});
    QVERIFY2(waitUntil(
                 [&] {
                     return fit.warnings().contains(QStringLiteral(
                         "The data gives 'petals' 3 features per row, but it takes 2."));
                 },
                 60000),
             qPrintable(fit.warnings().join(u'\n')));
    chooseColumns(QStringLiteral("'petals'"),
                  {QStringLiteral("petal_length"), QStringLiteral("petal_width")});
    QVERIFY2(waitUntil([&] { return fit.warnings().isEmpty(); }, 60000),
             qPrintable(fit.warnings().join(u'\n')));
    QVERIFY2(panel->inputsSummary()->text().contains(QLatin1String("petal_length, petal_width")),
             qPrintable(panel->inputsSummary()->text()));
    if (QWidget* dock = panel->parentWidget())
        dock->raise();
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("training-two-inputs"));

    setEpochs(60);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    QVERIFY2(trainer().train(&error), qPrintable(error));
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(history->epochCount(), 60);
    QFuture<keras::ModelInfo> created = trainer().model()->created();
    QVERIFY2(waitFinished(created, 60000), qPrintable(m_ide.report()));
    QCOMPARE(created.result().totalParams, 99);

    // Each input got its own columns, with the rows split alike: what the Data panel's
    // choices prepare on their own.
    const auto alone = [](const QStringList& features) {
        keras::PrepareOptions options;
        options.label = QStringLiteral("species");
        options.features = features;
        options.testFraction = DataSource().testFraction;
        return keras::Dataset::iris().prepare(options);
    };
    const keras::PreparedData sepals =
        alone({QStringLiteral("sepal_length"), QStringLiteral("sepal_width")});
    const keras::PreparedData petals =
        alone({QStringLiteral("petal_length"), QStringLiteral("petal_width")});
    const Value& x = trainer().data()->xTrain;
    QVERIFY(x.isList());
    QCOMPARE(x.items().size(), std::size_t(2));
    QVERIFY(x.items().at(0).toArray() == sepals.xTrain);
    QVERIFY(x.items().at(1).toArray() == petals.xTrain);
    QVERIFY(trainer().data()->prepared.yTrain == petals.yTrain);

    // Scored on the test rows, with a confusion matrix: the petals alone separate iris well.
    QFuture<keras::Evaluation> scored = trainer().evaluateDetailed();
    QVERIFY2(waitFinished(scored, 60000), qPrintable(m_ide.report()));
    const double accuracy = scored.result().scores.value(QStringLiteral("accuracy"));
    qInfo("two inputs: test accuracy %.3f", accuracy);
    QVERIFY2(accuracy > 0.7, qPrintable(QString::number(accuracy)));
    QCOMPARE(scored.result().confusion.size(), std::size_t(3));

    // Export Python Script: plain Python feeds both inputs and scores the model.
    QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("two-inputs.py"));
    QVERIFY2(m_ide.window->project().exportScript(script, &error), qPrintable(error));
    const qk::test::ScriptRun run = qk::test::runPythonScript(script, dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), 99);

    // The project keeps each input's columns.
    const QString project = dir.filePath(QStringLiteral("two-inputs.qtkeras"));
    QVERIFY2(m_ide.window->project().saveAs(project, &error), qPrintable(error));
    const DataSource saved = document.dataSource();
    m_ide.window->project().newProject();
    QVERIFY(document.dataSource().inputs.isEmpty());
    QVERIFY2(m_ide.window->project().open(project, &error), qPrintable(error));
    QCOMPARE(document.dataSource().inputs.size(), 2);
    QVERIFY(document.dataSource() == saved);
    QVERIFY(TrainingController::whyNotTrainable(document).isEmpty());
}

void TestTraining::graphThatDoesNotFitTheDataIsWarnedOfBeforeTraining() {
    // Iris rows have 4 features and 3 classes; this graph takes 3 and gives 2.
    ModelGraph graph = twoBranches();
    graph.node(101)->object = keras::InputLayer({3});
    graph.node(105)->object = keras::Dense(2).activation(QStringLiteral("softmax"));
    m_ide.window->document().setGraph(graph, QStringLiteral("misfit"));
    const DataFitCheck& fit = m_ide.window->workspace().dataFit();
    const auto warned = [&fit](const QString& text) {
        return std::any_of(fit.warnings().begin(), fit.warnings().end(),
                           [&text](const QString& w) { return w.contains(text); });
    };
    QVERIFY2(
        waitUntil(
            [&] {
                return warned(
                           QStringLiteral("4 features per row, but the model's input takes 3")) &&
                       warned(QStringLiteral("3 classes, but the model's output gives 2 values"));
            },
            60000),
        qPrintable(fit.warnings().join(u'\n')));
    // Made to fit, the warnings go.
    m_ide.window->document().setGraph(twoBranches(), QStringLiteral("fits"));
    QVERIFY2(waitUntil([&] { return fit.warnings().isEmpty(); }, 60000),
             qPrintable(fit.warnings().join(u'\n')));
}

void TestTraining::chooseLabel(const QString& output, const QString& label) {
    DataPanel* panel = m_ide.window->findChild<DataPanel*>();
    QComboBox* outputs = panel->outputCombo();
    const int at = outputs->findText(output);
    QVERIFY2(at >= 0, qPrintable(output));
    outputs->setCurrentIndex(at);
    Q_EMIT outputs->activated(at);
    QComboBox* labels = panel->labelCombo();
    const int index = labels->findText(label);
    QVERIFY2(index >= 0, qPrintable(label));
    labels->setCurrentIndex(index);
    Q_EMIT labels->activated(index);
}

void TestTraining::graphWithTwoOutputsLearnsTheLabelChosenForEach() {
    // Iris with a second label: "long" petals (over 4 cm) or "short".
    QTemporaryDir dir;
    QFile iris(QStringLiteral(":/qtkeras/data/iris.csv"));
    QVERIFY(iris.open(QIODevice::ReadOnly));
    QStringList lines = QString::fromUtf8(iris.readAll()).split(u'\n', Qt::SkipEmptyParts);
    lines[0] += QStringLiteral(",size");
    for (qsizetype i = 1; i < lines.size(); ++i)
        lines[i] += lines[i].section(u',', 2, 2).toDouble() > 4.0 ? QStringLiteral(",long")
                                                                  : QStringLiteral(",short");
    const QString csv = dir.filePath(QStringLiteral("iris-size.csv"));
    QFile out(csv);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(lines.join(u'\n').toUtf8() + '\n');
    out.close();

    // One input, two heads: 80 + 51 + 34 = 165 parameters.
    ModelGraph graph = graphOf(
        {{301, keras::InputLayer({4})},
         {302, keras::Dense(16).activation(QStringLiteral("relu"))},
         {303,
          keras::Dense(3).activation(QStringLiteral("softmax")).name(QStringLiteral("species"))},
         {304, keras::Dense(2).activation(QStringLiteral("softmax")).name(QStringLiteral("size"))}},
        {{301, 302}, {302, 303}, {302, 304}});
    Document& document = m_ide.window->document();
    document.setGraph(graph, QStringLiteral("two outputs"));
    DataPanel* panel = m_ide.window->findChild<DataPanel*>();
    QVERIFY2(panel->openCsv(csv), qPrintable(panel->errorText()));

    QString error;
    QVERIFY(!trainer().train(&error));
    QVERIFY2(error.contains(QLatin1String("label of 'species' and 'size'")), qPrintable(error));
    QVERIFY(panel->outputCombo()->isVisibleTo(panel));
    QVERIFY(!panel->inputCombo()->isVisibleTo(panel));

    // A label of three classes for a head of two: warned of; then the right one.
    const DataFitCheck& fit = m_ide.window->workspace().dataFit();
    chooseLabel(QStringLiteral("'species'"), QStringLiteral("species"));
    chooseLabel(QStringLiteral("'size'"), QStringLiteral("species"));
    QVERIFY2(waitUntil(
                 [&] {
                     return fit.warnings().contains(
                         QStringLiteral("species has 3 classes, but 'size' gives 2 values per "
                                        "row."));
                 },
                 60000),
             qPrintable(fit.warnings().join(u'\n')));
    chooseLabel(QStringLiteral("'size'"), QStringLiteral("size"));
    QVERIFY2(waitUntil([&] { return fit.warnings().isEmpty(); }, 60000),
             qPrintable(fit.warnings().join(u'\n')));
    QVERIFY2(panel->outputsSummary()->text().contains(QLatin1String("'size'</b>: size")),
             qPrintable(panel->outputsSummary()->text()));
    // Both labels are left out of the features; the four measurements are in.
    QCOMPARE(panel->featureList()->count(), 4);
    if (QWidget* dock = panel->parentWidget())
        dock->raise();
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("training-two-outputs"));

    setEpochs(60);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    QVERIFY2(trainer().train(&error), qPrintable(error));
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(history->epochCount(), 60);
    // Keras names each head's metrics after it.
    QVERIFY2(history->metricNames().contains(QStringLiteral("species_accuracy")) &&
                 history->metricNames().contains(QStringLiteral("size_accuracy")),
             qPrintable(history->metricNames().join(u',')));
    m_ide.window->workspace().historyView()->redrawNow();
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("training-two-outputs-history"));
    const Value& y = trainer().data()->yTrain;
    QVERIFY(y.isList());
    QCOMPARE(y.items().size(), std::size_t(2));
    QCOMPARE(y.items().at(0).toArray().shape().at(1), std::int64_t(3));
    QCOMPARE(y.items().at(1).toArray().shape().at(1), std::int64_t(2));

    QFuture<keras::Scores> scores = trainer().evaluate();
    QVERIFY2(waitFinished(scores, 60000), qPrintable(m_ide.report()));
    const double species = scores.result().value(QStringLiteral("species_accuracy"));
    const double size = scores.result().value(QStringLiteral("size_accuracy"));
    qInfo("two outputs: test accuracy %.3f (species), %.3f (size)", species, size);
    QVERIFY2(species > 0.7 && size > 0.8,
             qPrintable(QStringLiteral("%1 %2").arg(species).arg(size)));

    // The Evaluation tab scores the run as well, each head's metrics named, and says why it
    // shows no confusion matrix.
    inspectors::TrainingHistoryView* historyView = m_ide.window->workspace().historyView();
    inspectors::EvaluationView* evaluation = historyView->evaluationView();
    QVERIFY2(waitUntil([&] { return evaluation->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
    QVERIFY(evaluation->evaluation().scores.contains(QStringLiteral("size_accuracy")));
    QCOMPARE(evaluation->evaluation().rows, trainer().data()->prepared.xTest.shape().at(0));
    QVERIFY2(!evaluation->matrixNote().isEmpty(), "no word on the missing matrix");
    auto* tabs = historyView->findChild<QTabWidget*>(QStringLiteral("historyTabs"));
    QVERIFY(tabs);
    tabs->setCurrentWidget(evaluation);
    qk::test::saveScreenshot(m_ide.window.get(), QStringLiteral("screenshot-graph-two-outputs"));

    // Export Python Script: plain Python trains both heads.
    const QString script = dir.filePath(QStringLiteral("two-outputs.py"));
    QVERIFY2(m_ide.window->project().exportScript(script, &error), qPrintable(error));
    const qk::test::ScriptRun run = qk::test::runPythonScript(script, dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), 165);

    // A search offers each output's loss and metrics, named as Keras names them, and runs
    // on one of them: two trials of the learning rate, each output learning its label.
    TrainingSettings settings = document.trainingSettings();
    settings.validationSplit = 0.2;
    document.setTrainingSettings(settings);
    m_ide.window->findChild<TrainingSettingsPanel*>()->searchButton()->click();
    SearchDialog* search = m_ide.window->workspace().searchDialog();
    QVERIFY(search);
    QStringList objectives;
    for (int i = 0; i < search->objectiveCombo()->count(); ++i)
        objectives << search->objectiveCombo()->itemText(i);
    for (const char* objective : {"loss", "species_loss", "val_species_accuracy", "size_accuracy"})
        QVERIFY2(objectives.contains(QLatin1String(objective)), qPrintable(objectives.join(u',')));
    QVERIFY(!objectives.contains(QStringLiteral("accuracy")));
    search->objectiveCombo()->setCurrentText(QStringLiteral("val_size_accuracy"));
    QTableWidget* ranges = search->rangeTable();
    for (int row = 0; row < ranges->rowCount(); ++row)
        ranges->item(row, SearchDialog::SearchColumn)->setCheckState(Qt::Unchecked);
    const int rate = search->rangeRow(0, QStringLiteral("learning_rate"));
    QVERIFY(rate >= 0);
    ranges->item(rate, SearchDialog::SearchColumn)->setCheckState(Qt::Checked);
    ranges->item(rate, SearchDialog::RangeTextColumn)->setText(QStringLiteral("0.01, 0.03"));
    search->maxTrialsSpin()->setValue(2);
    search->processesSpin()->setValue(1);
    search->epochsSpin()->setValue(2);
    SearchController& searcher = m_ide.window->workspace().searcher();
    QSignalSpy searched(&searcher, &SearchController::finished);
    search->startButton()->click();
    QVERIFY2(searcher.isRunning(), qPrintable(search->statusLabel()->text()));
    QVERIFY2(searched.wait(600000) || searched.count() == 1, "the search did not end");
    QVERIFY2(searched.first().at(0).toBool(), qPrintable(searched.first().at(1).toString()));
    QVERIFY(searcher.best());
    QVERIFY(searcher.best()->score);
    search->close();

    // The project keeps each output's label.
    const QString project = dir.filePath(QStringLiteral("two-outputs.qtkeras"));
    QVERIFY2(m_ide.window->project().saveAs(project, &error), qPrintable(error));
    const DataSource saved = document.dataSource();
    m_ide.window->project().newProject();
    QVERIFY2(m_ide.window->project().open(project, &error), qPrintable(error));
    QCOMPARE(document.dataSource().outputs.size(), 2);
    QVERIFY(document.dataSource() == saved);
}

QTEST_MAIN(TestTraining)
#include "tst_training.moc"
