// SPDX-License-Identifier: GPL-3.0-or-later
// The evaluation view over evaluations the real worker made: a regression model's predictions
// with their errors and a line in place of the matrix; a model of several outputs with its
// scores only; a capped table that says so; both item models under QAbstractItemModelTester.
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "inspectors/confusionmatrixmodel.h"
#include "inspectors/evaluationview.h"
#include "inspectors/predictionmodel.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QStackedWidget>
#include <QTableView>
#include <QTest>

#include <cmath>

using namespace qk;
namespace K = qk::keras;
using qk::inspectors::EvaluationView;
using qk::inspectors::PredictionModel;
using qk::test::await;
using qk::test::waitFinished;

class TestEvaluationView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void regressionShowsErrorsAndNoMatrix();
    void cappedTableSaysHowManyRowsItShows();
    void severalOutputsShowScoresOnly();

private:
    std::unique_ptr<Session> m_session;
    K::PreparedData m_iris;
};

void TestEvaluationView::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    m_iris = K::Dataset::iris().prepare(prepare);
}

void TestEvaluationView::cleanupTestCase() {
    m_session.reset();
}

void TestEvaluationView::regressionShowsErrorsAndNoMatrix() {
    // Petal width (the fourth feature) from the iris features.
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(1));
    model.compile(K::MeanSquaredError(), K::Adam().learningRate(0.05), {"mae"});
    const std::int64_t n = m_iris.xTest.shape()[0];
    std::vector<float> width;
    for (std::int64_t r = 0; r < n; ++r)
        width.push_back(m_iris.xTest.data<float>()[r * 4 + 3]);
    const NdArray y = NdArray::fromVector(width, {n, 1});
    QVERIFY(waitFinished(model.fit(m_iris.xTest, y, {.epochs = 30}).future(), 120000));
    const K::Evaluation evaluation = await(model.evaluateDetailed(m_iris.xTest, y));
    QCOMPARE(evaluation.task, K::Evaluation::Task::Regression);

    EvaluationView view;
    QAbstractItemModelTester matrixTester(&view.matrix());
    QAbstractItemModelTester predictionsTester(&view.predictions());
    view.resize(900, 360);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.showEvaluation(QStringLiteral("run 1"), evaluation);
    QVERIFY(view.hasEvaluation());
    QVERIFY(view.statusText().startsWith(QStringLiteral("run 1 on the test set: 30 rows")));
    QVERIFY(view.scoresText().contains(QStringLiteral("mae")));
    // No matrix, and the view says why.
    QCOMPARE(view.matrix().rowCount(), 0);
    QVERIFY(!view.matrixView()->isVisible());
    QVERIFY2(view.matrixNote().contains(QStringLiteral("regression")),
             qPrintable(view.matrixNote()));
    // The table: true, predicted and their difference.
    const PredictionModel& table = view.predictions();
    QCOMPARE(table.rowCount(), 30);
    QCOMPARE(table.headerData(PredictionModel::ScoreColumn, Qt::Horizontal).toString(),
             QStringLiteral("Error"));
    for (int row = 0; row < table.rowCount(); ++row) {
        const K::Evaluation::Prediction& p = table.prediction(row);
        QCOMPARE(table.index(row, PredictionModel::RowColumn).data().toString(),
                 QString::number(row + 1));
        QCOMPARE(p.trueValues.at(0), static_cast<double>(width[static_cast<std::size_t>(row)]));
        QVERIFY(std::abs(p.error - (p.predictedValues.at(0) - p.trueValues.at(0))) < 1e-9);
        QVERIFY(!table.index(row, 0).data(PredictionModel::MisclassifiedRole).toBool());
        QVERIFY(!table.index(row, 0).data(Qt::BackgroundRole).isValid());
    }
    // Sorting by error puts the largest last.
    view.predictionsView()->sortByColumn(PredictionModel::ScoreColumn, Qt::AscendingOrder);
    QAbstractItemModel* sorted = view.predictionsView()->model();
    double previous = -INFINITY;
    for (int row = 0; row < sorted->rowCount(); ++row) {
        const double error = sorted->index(row, PredictionModel::ScoreColumn)
                                 .data(PredictionModel::SortRole)
                                 .toDouble();
        QVERIFY(error >= previous);
        previous = error;
    }
    // With QTKERAS_SCREENSHOT_DIR set, the view as drawn, for a person to look at.
    if (const QByteArray dir = qgetenv("QTKERAS_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(view.grab().save(QString::fromLocal8Bit(dir) +
                                 QStringLiteral("/evaluation-regression.png")));
}

void TestEvaluationView::cappedTableSaysHowManyRowsItShows() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(3).activation("softmax"));
    model.compile(K::CategoricalCrossentropy(), K::Adam(), {"accuracy"});
    K::EvaluationOptions options;
    options.predictionRows = 12;
    options.classNames = m_iris.classes;
    // An untrained model gets many rows wrong.
    const K::Evaluation evaluation =
        await(model.evaluateDetailed(m_iris.xTrain, m_iris.yTrain, options));
    EvaluationView view;
    QAbstractItemModelTester matrixTester(&view.matrix());
    view.showEvaluation(QStringLiteral("run 2"), evaluation);
    QCOMPARE(view.predictions().rowCount(), 12);
    QVERIFY2(view.predictionsNote().contains(QStringLiteral("Showing 12 of 120 rows")),
             qPrintable(view.predictionsNote()));
    // The matrix counts every row, with the class names on both axes and the margins.
    QCOMPARE(view.matrix().rowCount(), 4);
    QCOMPARE(view.matrix().columnCount(), 5);
    QCOMPARE(view.matrix().headerData(1, Qt::Horizontal).toString(), m_iris.classes[1]);
    QCOMPARE(view.matrix().index(3, 3).data().toString(), QStringLiteral("120"));
    view.setOnlyMisclassified(true);
    const int wrong = static_cast<int>(std::min<std::int64_t>(12, evaluation.misclassified));
    QCOMPARE(view.predictionsView()->model()->rowCount(), wrong);
}

void TestEvaluationView::severalOutputsShowScoresOnly() {
    K::Tensor input = K::Input(*m_session, {4});
    K::Tensor a = K::Dense(3).activation("softmax")(input);
    K::Tensor b = K::Dense(1)(input);
    K::Model model(input, K::Tensors{a, b});
    model.compile(K::Argument::list({"categorical_crossentropy", "mse"}), K::Adam());
    const NdArray second = NdArray::zeros(DType::Float32, {m_iris.xTest.shape()[0], 1});
    const K::Evaluation evaluation = await(model.evaluateDetailed(
        m_iris.xTest, Value(Value::List{Value(m_iris.yTest), Value(second)})));
    QCOMPARE(evaluation.task, K::Evaluation::Task::Other);
    QVERIFY(evaluation.scores.contains(QStringLiteral("loss")));
    EvaluationView view;
    view.showEvaluation(QStringLiteral("run 3"), evaluation);
    QVERIFY2(view.matrixNote().contains(QStringLiteral("several outputs")),
             qPrintable(view.matrixNote()));
    QCOMPARE(view.predictions().rowCount(), 0);
}

QTEST_MAIN(TestEvaluationView)
#include "tst_evaluationview.moc"
