// SPDX-License-Identifier: GPL-3.0-or-later
// Evaluation through the C++ API against the real worker: iris scored on its held-out split
// with a confusion matrix that agrees with Keras' own accuracy, a capped predictions table, a
// regression model's errors, and the learning rate of every epoch in the history (constant
// and under a schedule).
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "support/testsupport.h"

#include <QtTest>

#include <cmath>

using namespace qk;
namespace K = qk::keras;
using qk::test::await;
using qk::test::waitFinished;

namespace {

// The index of the largest value of each row of a float32 (n, k) array.
std::vector<int> argmaxRows(const NdArray& a) {
    const auto n = a.shape().at(0);
    const auto k = a.shape().at(1);
    std::vector<int> out;
    for (std::int64_t r = 0; r < n; ++r) {
        int best = 0;
        for (std::int64_t c = 1; c < k; ++c) {
            if (a.valueAt(r * k + c) > a.valueAt(r * k + best))
                best = static_cast<int>(c);
        }
        out.push_back(best);
    }
    return out;
}

} // namespace

class TestEvaluation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void irisMatrixAgreesWithKerasAccuracy();
    void predictionsAreCappedKeepingTheMisclassified();
    void regressionHasErrorsAndNoMatrix();
    void labelsOutsideTheClassesFailClearly();
    void learningRateOfEveryEpochFollowsTheSchedule();
    void constantLearningRateIsRecordedToo();

private:
    std::unique_ptr<Session> m_session;
    K::PreparedData m_iris;
    std::optional<K::Sequential> m_model; // iris, trained once
};

void TestEvaluation::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 7;
    m_iris = K::Dataset::iris().prepare(prepare);
    QCOMPARE(m_iris.xTest.shape()[0], 30);
    m_model.emplace(*m_session);
    m_model->add(K::InputLayer({4}));
    m_model->add(K::Dense(16).activation("relu"));
    m_model->add(K::Dense(3).activation("softmax"));
    m_model->compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});
    // Few epochs: a model that still gets some rows wrong shows more of the matrix.
    const K::Training training =
        m_model->fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 15, .batchSize = 16});
    QVERIFY(waitFinished(training.future(), 120000));
}

void TestEvaluation::cleanupTestCase() {
    m_model.reset();
    m_session.reset();
}

void TestEvaluation::irisMatrixAgreesWithKerasAccuracy() {
    K::EvaluationOptions options;
    options.classNames = m_iris.classes;
    const K::Evaluation e = await(m_model->evaluateDetailed(m_iris.xTest, m_iris.yTest, options));
    const K::Scores keras = await(m_model->evaluate(m_iris.xTest, m_iris.yTest));
    qInfo("iris after 15 epochs: accuracy %.3f, %lld of %lld rows right", keras.value("accuracy"),
          static_cast<long long>(e.correct()), static_cast<long long>(e.rows));

    QCOMPARE(e.task, K::Evaluation::Task::Classification);
    QCOMPARE(e.scores, keras);
    QCOMPARE(e.rows, std::int64_t{30});
    QCOMPARE(e.classCount(), 3);
    QCOMPARE(e.classNames, m_iris.classes);
    QCOMPARE(e.className(2), QStringLiteral("virginica"));
    // Every test row is counted once; rows are the true classes.
    std::int64_t total = 0;
    const std::vector<int> truth = argmaxRows(m_iris.yTest);
    for (int t = 0; t < 3; ++t) {
        total += e.support(t);
        QCOMPARE(e.support(t),
                 static_cast<std::int64_t>(std::count(truth.begin(), truth.end(), t)));
    }
    QCOMPARE(total, e.rows);
    // The diagonal is what Keras' accuracy counted.
    QCOMPARE(e.correct(), static_cast<std::int64_t>(std::llround(keras.value("accuracy") * 30)));
    QCOMPARE(e.misclassified, e.rows - e.correct());

    // All 30 rows fit in the table: the true classes are the split's, the predicted ones
    // model.predict()'s.
    const std::vector<int> predicted = argmaxRows(await(m_model->predict(m_iris.xTest)));
    QCOMPARE(e.predictions.size(), std::size_t{30});
    QVERIFY(!e.predictionsTruncated());
    std::int64_t wrong = 0;
    for (std::size_t i = 0; i < e.predictions.size(); ++i) {
        const K::Evaluation::Prediction& p = e.predictions[i];
        QCOMPARE(p.row, static_cast<std::int64_t>(i));
        QCOMPARE(p.trueClass, truth[i]);
        QCOMPARE(p.predictedClass, predicted[i]);
        QVERIFY2(p.confidence >= 1.0 / 3 && p.confidence <= 1,
                 qPrintable(QString::number(p.confidence)));
        wrong += p.isMisclassified() ? 1 : 0;
    }
    QCOMPARE(wrong, e.misclassified);
    for (int c = 0; c < 3; ++c) {
        if (e.support(c) > 0)
            QCOMPARE(e.recall(c),
                     static_cast<double>(e.count(c, c)) / static_cast<double>(e.support(c)));
    }
}

void TestEvaluation::predictionsAreCappedKeepingTheMisclassified() {
    K::EvaluationOptions options;
    options.predictionRows = 3;
    const K::Evaluation e = await(m_model->evaluateDetailed(m_iris.xTest, m_iris.yTest, options));
    QCOMPARE(e.rows, std::int64_t{30});
    QCOMPARE(e.predictions.size(), std::size_t{3});
    QVERIFY(e.predictionsTruncated());
    // The matrix still counts every row.
    QCOMPARE(e.correct() + e.misclassified, std::int64_t{30});
    std::int64_t wrong = 0;
    for (const K::Evaluation::Prediction& p : e.predictions)
        wrong += p.isMisclassified() ? 1 : 0;
    QCOMPARE(wrong, std::min<std::int64_t>(3, e.misclassified));
    // Without names, classes are their indices.
    QCOMPARE(e.className(1), QStringLiteral("1"));
}

void TestEvaluation::regressionHasErrorsAndNoMatrix() {
    // Petal width from the other three measurements.
    const K::Dataset iris = K::Dataset::iris();
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 3;
    const K::PreparedData data = iris.prepare(prepare);
    std::vector<float> x;
    std::vector<float> y;
    const float* features = data.xTrain.data<float>();
    const auto n = data.xTrain.shape()[0];
    for (std::int64_t r = 0; r < n; ++r) {
        x.insert(x.end(), features + r * 4, features + r * 4 + 3);
        y.push_back(features[r * 4 + 3]);
    }
    const NdArray xr = NdArray::fromVector(x, {n, 3});
    const NdArray yr = NdArray::fromVector(y, {n, 1});
    K::Sequential model(*m_session);
    model.add(K::InputLayer({3}));
    model.add(K::Dense(1));
    model.compile(K::MeanSquaredError(), K::Adam().learningRate(0.05), {"mae"});
    QVERIFY(waitFinished(model.fit(xr, yr, {.epochs = 20}).future(), 120000));

    K::EvaluationOptions options;
    options.predictionRows = 50;
    const K::Evaluation e = await(model.evaluateDetailed(xr, yr, options));
    QCOMPARE(e.task, K::Evaluation::Task::Regression);
    QCOMPARE(e.classCount(), 0);
    QCOMPARE(e.rows, static_cast<std::int64_t>(n));
    QCOMPARE(e.predictions.size(), std::size_t{50});
    const NdArray predicted = await(model.predict(xr));
    double absolute = 0;
    for (std::size_t i = 0; i < e.predictions.size(); ++i) {
        const K::Evaluation::Prediction& p = e.predictions[i];
        QCOMPARE(p.trueValues.size(), std::size_t{1});
        QCOMPARE(p.trueValues[0], static_cast<double>(y[i]));
        QVERIFY(std::abs(p.predictedValues[0] - predicted.valueAt(static_cast<std::int64_t>(i))) <
                1e-5);
        QVERIFY(std::abs(p.error - (p.predictedValues[0] - p.trueValues[0])) < 1e-9);
        absolute += std::abs(p.error);
    }
    QVERIFY(std::isfinite(absolute) && e.scores.value("mae") > 0);
}

void TestEvaluation::labelsOutsideTheClassesFailClearly() {
    const NdArray labels = NdArray::fromVector<std::int64_t>(std::vector<std::int64_t>(30, 7));
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(3).activation("softmax"));
    model.compile(K::SparseCategoricalCrossentropy(), K::Adam(), {"accuracy"});
    const QString error =
        qk::test::errorMessage(model.evaluateDetailed(m_iris.xTest, labels), 120000);
    QVERIFY2(error.contains(QStringLiteral("label 7")) &&
                 error.contains(QStringLiteral("3 classes")),
             qPrintable(error));
}

void TestEvaluation::learningRateOfEveryEpochFollowsTheSchedule() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(3).activation("softmax"));
    // 120 training rows in batches of 30: 4 steps an epoch, so each epoch halves the rate.
    model.compile(K::CategoricalCrossentropy(),
                  K::SGD().learningRate(K::ExponentialDecay(0.1, 4, 0.5)), {"accuracy"});
    K::Training training = model.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 5, .batchSize = 30});
    QList<double> live;
    connect(training.history().get(), &K::TrainingHistory::epochEnded, this,
            [&live](int, const QMap<QString, double>& logs) {
                live << logs.value(QStringLiteral("learning_rate"), -1);
            });
    QVERIFY(waitFinished(training.future(), 120000));
    QVERIFY(qk::test::waitUntil([&] { return live.size() == 5; }));
    const auto history = training.result();
    QVERIFY(history->metricNames().contains(QStringLiteral("learning_rate")));
    const QList<double> rates = history->series(QStringLiteral("learning_rate"));
    QCOMPARE(rates.size(), 5);
    for (int e = 0; e < 5; ++e) {
        QVERIFY2(std::abs(rates[e] - 0.1 * std::pow(0.5, e + 1)) < 1e-7,
                 qPrintable(QString::number(rates[e])));
        QCOMPARE(live[e], rates[e]);
        if (e > 0)
            QVERIFY(rates[e] < rates[e - 1]);
    }
}

void TestEvaluation::constantLearningRateIsRecordedToo() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(3).activation("softmax"));
    model.compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.02));
    const auto history = model.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 3}).result();
    const QList<double> rates = history->series(QStringLiteral("learning_rate"));
    QCOMPARE(rates.size(), 3);
    for (double rate : rates)
        QVERIFY2(std::abs(rate - 0.02) < 1e-7, qPrintable(QString::number(rate)));
}

QTEST_MAIN(TestEvaluation)
#include "tst_evaluation.moc"
