// SPDX-License-Identifier: GPL-3.0-or-later
// The compile-and-training settings and data panels with the real worker: every field is an
// undoable edit of the document, invalid input is refused in the panel, a CSV file fills the
// preview and the column choices (a broken one shows where it breaks and keeps the data),
// and a run uses the settings the panels set.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/catalogsource.h"
#include "app/datapanel.h"
#include "app/datasetmodel.h"
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/screenshot.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QListWidget>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestSettingsPanels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void eachTrainingFieldIsAnUndoableEdit();
    void invalidTrainingInputIsRefused();
    void dataOptionsAreUndoableEdits();
    void csvFillsPreviewAndColumnChoices();
    void brokenCsvShowsWhereAndKeepsTheData();
    void previewModelPassesTheTester();
    void trainingUsesThePanelsSettings();

private:
    Document& document() const { return m_ide.window->document(); }
    TrainingSettingsPanel* training() const {
        return m_ide.window->findChild<TrainingSettingsPanel*>();
    }
    DataPanel* data() const { return m_ide.window->findChild<DataPanel*>(); }
    void writeFile(const QString& name, const QByteArray& text) const;
    // Undoes the last edit and checks that it was the only one and that it restored `before`.
    template <typename T, typename Get>
    void checkOneUndoableEdit(const T& before, Get get, int stackBefore);

    qk::test::IdeFixture m_ide;
    QTemporaryDir m_dir;
};

void TestSettingsPanels::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_ide.start({1500, 1000});
    if (QTest::currentTestFailed())
        return;
    QVERIFY(training());
    QVERIFY(data());
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().catalog().isLoaded(); }, 60000),
             qPrintable(m_ide.report()));
    QVERIFY(training()->lossCombo()->findText(QStringLiteral("mean_squared_error")) >= 0);
    QVERIFY(training()->optimizerCombo()->findText(QStringLiteral("SGD")) >= 0);
    QCOMPARE(training()->lossCombo()->currentText(), QStringLiteral("categorical_crossentropy"));
    QCOMPARE(training()->optimizerCombo()->currentText(), QStringLiteral("Adam"));
    QCOMPARE(data()->dataset().rowCount(), 150);
}

void TestSettingsPanels::cleanupTestCase() {
    m_ide.stop();
}

void TestSettingsPanels::writeFile(const QString& name, const QByteArray& text) const {
    QFile file(m_dir.filePath(name));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

template <typename T, typename Get>
void TestSettingsPanels::checkOneUndoableEdit(const T& before, Get get, int stackBefore) {
    QUndoStack* stack = document().undoStack();
    QCOMPARE(stack->index(), stackBefore + 1);
    QVERIFY(!(get() == before));
    QTest::keyClick(m_ide.window.get(), Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(get() == before);
    stack->redo();
    QVERIFY(!(get() == before));
}

void TestSettingsPanels::eachTrainingFieldIsAnUndoableEdit() {
    TrainingSettingsPanel* panel = training();
    const auto compile = [this] { return document().compileSettings(); };
    const auto fit = [this] { return document().trainingSettings(); };
    QUndoStack* stack = document().undoStack();

    // Loss, chosen from the catalog's losses.
    int count = stack->index();
    CompileSettings before = compile();
    QComboBox* loss = panel->lossCombo();
    loss->setCurrentIndex(loss->findText(QStringLiteral("mean_squared_error")));
    Q_EMIT loss->textActivated(loss->currentText());
    QCOMPARE(compile().loss, QStringLiteral("mean_squared_error"));
    checkOneUndoableEdit(before, compile, count);
    stack->undo();
    QCOMPARE(loss->currentText(), QStringLiteral("categorical_crossentropy"));

    // Optimizer: SGD shows its momentum.
    count = stack->index();
    before = compile();
    QVERIFY(panel->momentumEdit()->isHidden());
    QComboBox* optimizer = panel->optimizerCombo();
    optimizer->setCurrentIndex(optimizer->findText(QStringLiteral("SGD")));
    Q_EMIT optimizer->textActivated(optimizer->currentText());
    QCOMPARE(compile().optimizer.className(), QStringLiteral("SGD"));
    QVERIFY(!panel->momentumEdit()->isHidden());
    checkOneUndoableEdit(before, compile, count);

    // Learning rate and momentum, typed.
    for (QLineEdit* edit : {panel->learningRateEdit(), panel->momentumEdit()}) {
        count = stack->index();
        before = compile();
        edit->setFocus();
        edit->selectAll();
        QTest::keyClicks(edit, QStringLiteral("0.05"));
        QTest::keyClick(edit, Qt::Key_Return);
        checkOneUndoableEdit(before, compile, count);
    }
    QCOMPARE(compile().optimizer.get(QStringLiteral("learning_rate"))->value().toDouble(), 0.05);
    QCOMPARE(compile().optimizer.get(QStringLiteral("momentum"))->value().toDouble(), 0.05);

    // Metrics.
    count = stack->index();
    before = compile();
    panel->metricsEdit()->setText(QStringLiteral("accuracy, mean_absolute_error"));
    Q_EMIT panel->metricsEdit()->editingFinished();
    QCOMPARE(compile().metrics,
             QStringList({QStringLiteral("accuracy"), QStringLiteral("mean_absolute_error")}));
    checkOneUndoableEdit(before, compile, count);

    // Epochs, batch size, validation split.
    count = stack->index();
    TrainingSettings beforeFit = fit();
    panel->epochsSpin()->setValue(7);
    QCOMPARE(fit().epochs, 7);
    checkOneUndoableEdit(beforeFit, fit, count);
    count = stack->index();
    beforeFit = fit();
    panel->batchSizeSpin()->setValue(16);
    QCOMPARE(fit().batchSize, std::optional<int>(16));
    checkOneUndoableEdit(beforeFit, fit, count);
    count = stack->index();
    beforeFit = fit();
    panel->validationSplitSpin()->setValue(0.25);
    QCOMPARE(fit().validationSplit, 0.25);
    checkOneUndoableEdit(beforeFit, fit, count);

    // EarlyStopping on, then its patience.
    count = stack->index();
    beforeFit = fit();
    QVERIFY(!panel->patienceSpin()->isEnabled());
    QTest::mouseClick(panel->earlyStoppingCheck(), Qt::LeftButton, {},
                      QPoint(8, panel->earlyStoppingCheck()->height() / 2));
    QCOMPARE(fit().callbacks.size(), size_t(1));
    QCOMPARE(fit().callbacks.front().className(), QStringLiteral("EarlyStopping"));
    QCOMPARE(fit().callbacks.front().get(QStringLiteral("monitor"))->value().toString(),
             QStringLiteral("val_loss"));
    QVERIFY(panel->patienceSpin()->isEnabled());
    checkOneUndoableEdit(beforeFit, fit, count);
    count = stack->index();
    beforeFit = fit();
    panel->patienceSpin()->setValue(4);
    QCOMPARE(fit().callbacks.front().get(QStringLiteral("patience"))->value().toInt(), 4);
    checkOneUndoableEdit(beforeFit, fit, count);
    stack->undo();
    stack->undo();
    QVERIFY(fit().callbacks.empty());
    QVERIFY(!panel->earlyStoppingCheck()->isChecked());
}

void TestSettingsPanels::invalidTrainingInputIsRefused() {
    TrainingSettingsPanel* panel = training();
    const CompileSettings before = document().compileSettings();
    const int count = document().undoStack()->index();
    panel->learningRateEdit()->setText(QStringLiteral("fast"));
    Q_EMIT panel->learningRateEdit()->editingFinished();
    QVERIFY2(panel->errorText().contains(QStringLiteral("learning_rate")),
             qPrintable(panel->errorText()));
    panel->learningRateEdit()->setText(QStringLiteral("-1"));
    Q_EMIT panel->learningRateEdit()->editingFinished();
    QVERIFY(!panel->errorText().isEmpty());
    panel->metricsEdit()->setText(QStringLiteral("accuracy, not_a_metric"));
    Q_EMIT panel->metricsEdit()->editingFinished();
    QVERIFY2(panel->errorText().contains(QStringLiteral("not_a_metric")),
             qPrintable(panel->errorText()));
    QVERIFY(document().compileSettings() == before);
    QCOMPARE(document().undoStack()->index(), count);
    // A good value clears the message.
    panel->metricsEdit()->setText(QStringLiteral("accuracy"));
    Q_EMIT panel->metricsEdit()->editingFinished();
    QVERIFY(panel->errorText().isEmpty());
    // Spin boxes cannot hold a value outside their range.
    panel->epochsSpin()->setValue(0);
    QCOMPARE(document().trainingSettings().epochs, panel->epochsSpin()->minimum());
}

void TestSettingsPanels::dataOptionsAreUndoableEdits() {
    DataPanel* panel = data();
    const auto source = [this] { return document().dataSource(); };
    QUndoStack* stack = document().undoStack();

    int count = stack->index();
    DataSource before = source();
    QTest::mouseClick(panel->oneHotCheck(), Qt::LeftButton, {},
                      QPoint(8, panel->oneHotCheck()->height() / 2));
    QCOMPARE(source().oneHot, false);
    checkOneUndoableEdit(before, source, count);
    stack->undo();
    QVERIFY(panel->oneHotCheck()->isChecked());

    count = stack->index();
    before = source();
    panel->standardizeCheck()->setChecked(false);
    QCOMPARE(source().standardize, false);
    checkOneUndoableEdit(before, source, count);
    stack->undo();

    count = stack->index();
    before = source();
    panel->testFractionSpin()->setValue(0.3);
    QCOMPARE(source().testFraction, 0.3);
    checkOneUndoableEdit(before, source, count);
    stack->undo();

    count = stack->index();
    before = source();
    panel->seedSpin()->setValue(42);
    QCOMPARE(source().seed, std::uint64_t(42));
    checkOneUndoableEdit(before, source, count);
    stack->undo();

    // Unchecking a feature names the others; unchecking all is refused.
    QListWidget* features = panel->featureList();
    QCOMPARE(features->count(), 4);
    count = stack->index();
    before = source();
    features->item(0)->setCheckState(Qt::Unchecked);
    QCOMPARE(source().features,
             QStringList({QStringLiteral("sepal_width"), QStringLiteral("petal_length"),
                          QStringLiteral("petal_width")}));
    checkOneUndoableEdit(before, source, count);
    count = stack->index();
    for (int i = 1; i < 4; ++i)
        features->item(i)->setCheckState(Qt::Unchecked);
    QVERIFY2(!panel->errorText().isEmpty(), "no features was accepted");
    QCOMPARE(source().features.size(), 1);
    QCOMPARE(stack->index(), count + 2);
    for (int i = 0; i < 3; ++i)
        stack->undo();
    QVERIFY(source().features.isEmpty());
    QCOMPARE(features->item(0)->checkState(), Qt::Checked);
}

void TestSettingsPanels::csvFillsPreviewAndColumnChoices() {
    writeFile(QStringLiteral("wine.csv"), "alcohol,acidity,colour,kind\n"
                                          "13.2,2.1,red,a\n"
                                          "12.1,1.9,white,b\n"
                                          "14.0,2.4,red,a\n"
                                          "11.8,1.7,white,b\n"
                                          "13.5,2.0,red,c\n");
    DataPanel* panel = data();
    const int count = document().undoStack()->index();
    const DataSource before = document().dataSource();
    QVERIFY(panel->openCsv(m_dir.filePath(QStringLiteral("wine.csv"))));
    QVERIFY(panel->errorText().isEmpty());
    QCOMPARE(document().dataSource().kind, DataSource::Kind::Csv);
    QCOMPARE(document().dataSource().label, QStringLiteral("kind"));
    QCOMPARE(panel->sourceCombo()->currentIndex(), 1);
    DatasetModel* preview = panel->previewModel();
    QCOMPARE(preview->rowCount(), 5);
    QCOMPARE(preview->columnCount(), 4);
    QCOMPARE(preview->headerData(2, Qt::Horizontal).toString(), QStringLiteral("colour"));
    QCOMPARE(preview->index(4, 0).data().toString(), QStringLiteral("13.5"));
    QCOMPARE(preview->index(1, 3).data().toString(), QStringLiteral("b"));
    QCOMPARE(panel->labelCombo()->count(), 4);
    QCOMPARE(panel->labelCombo()->currentText(), QStringLiteral("kind"));
    QCOMPARE(panel->featureList()->count(), 2); // the numeric columns
    QCOMPARE(panel->featureList()->item(1)->text(), QStringLiteral("acidity"));
    QCOMPARE(document().undoStack()->index(), count + 1);

    // The label can be any column.
    panel->labelCombo()->setCurrentIndex(2);
    Q_EMIT panel->labelCombo()->activated(2);
    QCOMPARE(document().dataSource().label, QStringLiteral("colour"));
    document().undoStack()->undo();
    QCOMPARE(panel->labelCombo()->currentText(), QStringLiteral("kind"));

    // Undo goes back to iris, and its table.
    document().undoStack()->undo();
    QVERIFY(document().dataSource() == before);
    QCOMPARE(preview->rowCount(), 150);
    QCOMPARE(panel->sourceCombo()->currentIndex(), 0);
    document().undoStack()->redo();
    QCOMPARE(preview->rowCount(), 5);
}

void TestSettingsPanels::brokenCsvShowsWhereAndKeepsTheData() {
    writeFile(QStringLiteral("broken.csv"), "a,b,label\n"
                                            "1,2,x\n"
                                            "3,\"4,y\n");
    DataPanel* panel = data();
    const DataSource before = document().dataSource();
    const int rows = panel->previewModel()->rowCount();
    const int count = document().undoStack()->index();
    QVERIFY(!panel->openCsv(m_dir.filePath(QStringLiteral("broken.csv"))));
    const QString error = panel->errorText();
    QVERIFY2(error.contains(QStringLiteral("broken.csv")) &&
                 error.contains(QStringLiteral("line 3")),
             qPrintable(error));
    QVERIFY(document().dataSource() == before);
    QCOMPARE(document().undoStack()->index(), count);
    QCOMPARE(panel->previewModel()->rowCount(), rows);

    writeFile(QStringLiteral("short.csv"), "a,b,label\n1,2,x\n3,4\n");
    QVERIFY(!panel->openCsv(m_dir.filePath(QStringLiteral("short.csv"))));
    QVERIFY2(panel->errorText().contains(QStringLiteral("line 3")), qPrintable(panel->errorText()));
    QVERIFY(document().dataSource() == before);
    QCOMPARE(panel->previewModel()->rowCount(), rows);
}

void TestSettingsPanels::previewModelPassesTheTester() {
    DatasetModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDataset(keras::Dataset::iris());
    QCOMPARE(model.rowCount(), 150);
    QCOMPARE(model.columnCount(), 5);
    QCOMPARE(model.index(0, 4).data().toString(), QStringLiteral("setosa"));
    QCOMPARE(model.index(0, 0).data(Qt::TextAlignmentRole).toInt() & Qt::AlignRight,
             int(Qt::AlignRight));
    QCOMPARE(model.headerData(0, Qt::Vertical, Qt::ToolTipRole).toString(),
             QStringLiteral("line 2"));
    model.setDataset(keras::Dataset());
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
    // The panel's own model, too, through a change of source.
    QAbstractItemModelTester panelTester(data()->previewModel(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    data()->useIris();
    QCOMPARE(data()->previewModel()->rowCount(), 150);
}

void TestSettingsPanels::trainingUsesThePanelsSettings() {
    Document& doc = document();
    doc.addLayer(keras::InputLayer({4}));
    doc.addLayer(keras::Dense(8));
    doc.addLayer(keras::Activation("relu"));
    doc.addLayer(keras::Dense(3));
    doc.addLayer(keras::Activation("softmax"));
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));

    TrainingSettingsPanel* panel = training();
    QComboBox* optimizer = panel->optimizerCombo();
    optimizer->setCurrentIndex(optimizer->findText(QStringLiteral("SGD")));
    Q_EMIT optimizer->textActivated(optimizer->currentText());
    panel->learningRateEdit()->setText(QStringLiteral("0.1"));
    Q_EMIT panel->learningRateEdit()->editingFinished();
    panel->epochsSpin()->setValue(3);
    panel->batchSizeSpin()->setValue(10);
    panel->validationSplitSpin()->setValue(0.2);
    QCOMPARE(doc.compileSettings().optimizer.className(), QStringLiteral("SGD"));

    QWidget* dataDock = data()->parentWidget();
    QWidget* trainingDock = panel->parentWidget();
    if (dataDock)
        dataDock->raise();
    if (trainingDock)
        trainingDock->raise();
    // The window with both panels, for a look at them.
    const QPixmap shot = m_ide.window->grab();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.save(QStringLiteral(QT_TESTCASE_BUILDDIR "/settings-panels.png")));

    TrainingController& trainer = m_ide.window->workspace().trainer();
    QSignalSpy finished(&trainer, &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    QVERIFY(trainer.isRunning());
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(trainer.history()->epochCount(), 3);
    QVERIFY(trainer.history()->metricNames().contains(QStringLiteral("val_loss")));
}

QTEST_MAIN(TestSettingsPanels)
#include "tst_settingspanels.moc"
