// SPDX-License-Identifier: GPL-3.0-or-later
// The data side of the Keras API: the shipped iris table, CSV reading and its errors, and
// the preparation of arrays for the worker (features, labels, one-hot, split, scaling).

#include "bridge/keras/dataset.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryFile>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <tuple>
#include <vector>

using qk::DType;
using qk::NdArray;
using namespace qk::keras;

using Indices = std::vector<std::int64_t>;

namespace {

const QString kCsvDir = QStringLiteral(QTKERAS_TEST_SOURCE_DIR "/tests/bridge/data/csv/");

Dataset readCsv(const QByteArray& text, char separator = ',', bool dropMissing = false,
                const QStringList& numeric = {}) {
    QBuffer buffer;
    buffer.setData(text);
    return Dataset::fromCsv(buffer,
                            {.separator = separator,
                             .numericColumns = numeric,
                             .dropRowsWithMissingValues = dropMissing},
                            QStringLiteral("fixture.csv"));
}

// The labels 0 (n0 times), 1 (n1 times), ... as an int64 array.
NdArray classLabels(const std::vector<int>& counts) {
    Indices labels;
    for (std::size_t c = 0; c < counts.size(); ++c)
        labels.insert(labels.end(), static_cast<std::size_t>(counts[c]),
                      static_cast<std::int64_t>(c));
    return NdArray::fromVector(labels);
}

std::vector<int> countPerClass(const Indices& rows, const Indices& labels, int classCount) {
    std::vector<int> counts(static_cast<std::size_t>(classCount), 0);
    for (std::int64_t r : rows)
        ++counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(r)])];
    return counts;
}

float at(const NdArray& a, std::int64_t row, std::int64_t column) {
    return a.data<float>()[row * a.shape()[1] + column];
}

// Mean and population standard deviation of a float32 matrix's column.
std::pair<double, double> columnStats(const NdArray& a, std::int64_t column) {
    const std::int64_t n = a.shape()[0];
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i)
        sum += at(a, i, column);
    const double mean = sum / static_cast<double>(n);
    double squares = 0;
    for (std::int64_t i = 0; i < n; ++i)
        squares += (at(a, i, column) - mean) * (at(a, i, column) - mean);
    return {mean, std::sqrt(squares / static_cast<double>(n))};
}

} // namespace

class TestDataset : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void irisIsTheClassicTable();
    void irisResourceMatchesTheShippedFile();
    void irisFeaturesAndLabels();
    void prepareIris();
    void prepareIrisWithIndexTargets();
    void textColumnsEncodedOneHot();

    void split_data();
    void split();
    void splitIsDeterministic();
    void splitFollowsTheDocumentedAlgorithm_data();
    void splitFollowsTheDocumentedAlgorithm();
    void splitRejectsFractionsThatLeaveAPartEmpty_data();
    void splitRejectsFractionsThatLeaveAPartEmpty();

    void standardizer_data();
    void standardizer();
    void standardizedIrisTrainingColumns();
    void oneHot_data();
    void oneHot();
    void takeRows();

    void csvTables_data();
    void csvTables();
    void csvErrors_data();
    void csvErrors();
    void csvFromFiles();
    void columnMisuseIsNamed();
    void numericLabelsAreSortedNumerically();
    void largeCsv();
};

void TestDataset::irisIsTheClassicTable() {
    const Dataset iris = Dataset::iris();
    QCOMPARE(iris.rowCount(), 150);
    QCOMPARE(iris.columnNames(), (QStringList{"sepal_length", "sepal_width", "petal_length",
                                              "petal_width", "species"}));
    for (const QString& name : iris.columnNames().first(4))
        QCOMPARE(iris.columnType(name), Dataset::ColumnType::Numeric);
    QCOMPARE(iris.columnType("species"), Dataset::ColumnType::Categorical);

    // First and last rows, as in Fisher's table.
    QCOMPARE(iris.numbers("sepal_length").front(), 5.1);
    QCOMPARE(iris.numbers("sepal_width").front(), 3.5);
    QCOMPARE(iris.numbers("petal_length").front(), 1.4);
    QCOMPARE(iris.numbers("petal_width").front(), 0.2);
    QCOMPARE(iris.texts("species").front(), "setosa");
    QCOMPARE(iris.numbers("sepal_length").back(), 5.9);
    QCOMPARE(iris.numbers("sepal_width").back(), 3.0);
    QCOMPARE(iris.numbers("petal_length").back(), 5.1);
    QCOMPARE(iris.numbers("petal_width").back(), 1.8);
    QCOMPARE(iris.texts("species").back(), "virginica");
    QCOMPARE(iris.lineOfRow(0), 2);
    QCOMPARE(iris.lineOfRow(149), 151);

    // The published summary statistics (sklearn's iris.rst): min, max and mean (to 2 digits).
    const std::vector<std::tuple<QString, double, double, double>> summary{
        {"sepal_length", 4.3, 7.9, 5.84},
        {"sepal_width", 2.0, 4.4, 3.05},
        {"petal_length", 1.0, 6.9, 3.76},
        {"petal_width", 0.1, 2.5, 1.20}};
    for (const auto& [name, low, high, mean] : summary) {
        const std::vector<double>& v = iris.numbers(name);
        QCOMPARE(*std::min_element(v.begin(), v.end()), low);
        QCOMPARE(*std::max_element(v.begin(), v.end()), high);
        QVERIFY2(std::abs(std::accumulate(v.begin(), v.end(), 0.0) / 150 - mean) < 0.01,
                 qPrintable(name));
    }
}

void TestDataset::irisResourceMatchesTheShippedFile() {
    (void)Dataset::iris();
    QFile resource(":/qtkeras/data/iris.csv");
    QVERIFY2(resource.open(QIODevice::ReadOnly), "the resource is linked into the executable");
    QFile shipped(QTKERAS_TEST_SOURCE_DIR "/resources/data/iris.csv");
    QVERIFY(shipped.open(QIODevice::ReadOnly));
    QCOMPARE(resource.readAll(), shipped.readAll());
}

void TestDataset::irisFeaturesAndLabels() {
    const Dataset iris = Dataset::iris();
    const NdArray x = iris.features(iris.columnNames().first(4));
    QCOMPARE(x.dtype(), DType::Float32);
    QCOMPARE(x.shape(), (Indices{150, 4}));
    QCOMPARE(at(x, 0, 0), 5.1f);
    QCOMPARE(at(x, 0, 3), 0.2f);
    QCOMPARE(at(x, 149, 2), 5.1f);

    const Labels y = iris.labels("species");
    QCOMPARE(y.classes, (QStringList{"setosa", "versicolor", "virginica"}));
    QCOMPARE(y.indices.dtype(), DType::Int64);
    QCOMPARE(y.indices.shape(), (Indices{150}));
    const Indices labels = y.indices.toVector<std::int64_t>();
    QCOMPARE(std::count(labels.begin(), labels.end(), 0), 50);
    QCOMPARE(std::count(labels.begin(), labels.end(), 1), 50);
    QCOMPARE(std::count(labels.begin(), labels.end(), 2), 50);
    QCOMPARE(labels.front(), 0);
    QCOMPARE(labels[50], 1);
    QCOMPARE(labels.back(), 2);
}

void TestDataset::prepareIris() {
    const Dataset iris = Dataset::iris();
    const PreparedData data = iris.prepare({.label = "species", .seed = 7});
    QCOMPARE(data.featureNames, iris.columnNames().first(4));
    QCOMPARE(data.classes, (QStringList{"setosa", "versicolor", "virginica"}));
    QCOMPARE(data.xTrain.shape(), (Indices{120, 4}));
    QCOMPARE(data.xTest.shape(), (Indices{30, 4}));
    QCOMPARE(data.yTrain.shape(), (Indices{120, 3}));
    QCOMPARE(data.yTest.shape(), (Indices{30, 3}));
    QCOMPARE(data.yTrain.dtype(), DType::Float32);
    QVERIFY(data.standardizer.has_value());

    // Each array row is the dataset row the split names, scaled with the training statistics.
    const Standardizer& s = *data.standardizer;
    const Indices labels = iris.labels("species").indices.toVector<std::int64_t>();
    for (std::size_t i = 0; i < data.split.test.size(); ++i) {
        const std::int64_t row = data.split.test[i];
        const auto r = static_cast<std::int64_t>(i);
        for (int c = 0; c < 4; ++c) {
            const double raw = iris.numbers(data.featureNames[c])[static_cast<std::size_t>(row)];
            const double expected =
                (static_cast<float>(raw) - s.mean()[static_cast<std::size_t>(c)]) /
                s.stddev()[static_cast<std::size_t>(c)];
            QVERIFY(std::abs(at(data.xTest, r, c) - expected) < 1e-5);
        }
        QCOMPARE(at(data.yTest, r, labels[static_cast<std::size_t>(row)]), 1.0f);
    }
    // The statistics come from the training rows only.
    const NdArray rawTrain =
        qk::keras::takeRows(iris.features(data.featureNames), data.split.train);
    for (int c = 0; c < 4; ++c) {
        const auto [mean, stddev] = columnStats(rawTrain, c);
        QVERIFY(std::abs(s.mean()[static_cast<std::size_t>(c)] - mean) < 1e-9);
        QVERIFY(std::abs(s.stddev()[static_cast<std::size_t>(c)] - stddev) < 1e-9);
    }
}

void TestDataset::prepareIrisWithIndexTargets() {
    const Dataset iris = Dataset::iris();
    const PreparedData data = iris.prepare({.label = "species",
                                            .features = {"petal_length", "petal_width"},
                                            .testFraction = 0.1,
                                            .seed = 3,
                                            .standardize = false,
                                            .targets = PrepareOptions::Targets::Indices});
    QCOMPARE(data.xTrain.shape(), (Indices{135, 2}));
    QCOMPARE(data.yTrain.dtype(), DType::Int64);
    QCOMPARE(data.yTrain.shape(), (Indices{135}));
    QCOMPARE(data.yTest.shape(), (Indices{15}));
    QVERIFY(!data.standardizer.has_value());
    const Indices labels = iris.labels("species").indices.toVector<std::int64_t>();
    const Indices yTest = data.yTest.toVector<std::int64_t>();
    for (std::size_t i = 0; i < yTest.size(); ++i) {
        const auto row = static_cast<std::size_t>(data.split.test[i]);
        QCOMPARE(yTest[i], labels[row]);
        QCOMPARE(at(data.xTest, static_cast<std::int64_t>(i), 0),
                 static_cast<float>(iris.numbers("petal_length")[row]));
    }
}

// Issue 14: a text column chosen for encoding becomes one feature per value, after the
// numeric features; an empty value is a row of zeros. Without numeric columns by default,
// the encoded ones alone.
void TestDataset::textColumnsEncodedOneHot() {
    const Dataset table = readCsv("x,colour,label\n1,red,a\n2,blue,b\n3,,a\n4,red,b\n");
    QCOMPARE(table.categories("colour"), (QStringList{"blue", "red"}));
    const NdArray encoded = table.oneHotFeatures("colour");
    QCOMPARE(encoded.shape(), (Indices{4, 2}));
    const std::vector<float> expected{0, 1, 1, 0, 0, 0, 0, 1};
    QCOMPARE(encoded.toVector<float>(), expected);
    const PreparedData data = table.prepare(
        {.label = "label", .encoded = {"colour"}, .testFraction = 0.25, .standardize = false});
    QCOMPARE(data.featureNames, (QStringList{"x", "colour=blue", "colour=red"}));
    QCOMPARE(data.xTrain.shape(), (Indices{3, 3}));
    for (std::size_t i = 0; i < data.split.train.size(); ++i) {
        const auto row = data.split.train[i];
        const auto r = static_cast<std::int64_t>(i);
        QCOMPARE(at(data.xTrain, r, 0), static_cast<float>(row + 1));
        QCOMPARE(at(data.xTrain, r, 1), encoded.data<float>()[row * 2]);
        QCOMPARE(at(data.xTrain, r, 2), encoded.data<float>()[row * 2 + 1]);
    }
    QVERIFY_THROWS_EXCEPTION(DatasetError,
                             table.prepare({.label = "colour", .encoded = {"colour"}}));

    // Without numeric columns by default (a graph input fed text alone): the encoded ones
    // only; with nothing chosen at all, refused.
    const PreparedData textOnly = table.prepare({.label = "label",
                                                 .numericByDefault = false,
                                                 .encoded = {"colour"},
                                                 .testFraction = 0.25,
                                                 .standardize = false});
    QCOMPARE(textOnly.featureNames, (QStringList{"colour=blue", "colour=red"}));
    QCOMPARE(textOnly.xTrain.shape(), (Indices{3, 2}));
    QCOMPARE(textOnly.split.train, data.split.train);
    QVERIFY_THROWS_EXCEPTION(DatasetError,
                             table.prepare({.label = "label", .numericByDefault = false}));
}

void TestDataset::split_data() {
    QTest::addColumn<NdArray>("labels");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<bool>("stratified");
    QTest::addColumn<int>("testRows");
    QTest::addColumn<std::vector<int>>("testPerClass"); // empty: not constrained

    const NdArray iris = classLabels({50, 50, 50});
    QTest::newRow("iris 0.2") << iris << 0.2 << quint64(0) << true << 30
                              << std::vector<int>{10, 10, 10};
    QTest::newRow("iris 0.2, another seed")
        << iris << 0.2 << quint64(12345) << true << 30 << std::vector<int>{10, 10, 10};
    QTest::newRow("iris 0.1") << iris << 0.1 << quint64(1) << true << 15
                              << std::vector<int>{5, 5, 5};
    QTest::newRow("iris 0.3") << iris << 0.3 << quint64(2) << true << 45
                              << std::vector<int>{15, 15, 15};
    QTest::newRow("iris 0.5") << iris << 0.5 << quint64(3) << true << 75
                              << std::vector<int>{25, 25, 25};
    QTest::newRow("iris unstratified")
        << iris << 0.2 << quint64(4) << false << 30 << std::vector<int>{};
    // 7 + 3 rows, 5 to test: quotas 3.5 and 1.5; the tie goes to the lower class.
    QTest::newRow("imbalanced, tied remainders")
        << classLabels({7, 3}) << 0.5 << quint64(1) << true << 5 << std::vector<int>{4, 1};
    // 100 rows in shares 60/30/10, 25 to test: quotas 15, 7.5, 2.5 -> 15, 8, 2.
    QTest::newRow("imbalanced 60/30/10") << classLabels({60, 30, 10}) << 0.25 << quint64(9) << true
                                         << 25 << std::vector<int>{15, 8, 2};
    // 3 classes of 4, 0.25 -> 3 test rows, one per class.
    QTest::newRow("small classes")
        << classLabels({4, 4, 4}) << 0.25 << quint64(5) << true << 3 << std::vector<int>{1, 1, 1};
    // A class index with no rows is allowed and gets none.
    QTest::newRow("class without rows")
        << NdArray::fromVector<std::int64_t>({0, 0, 2, 2, 0, 2, 0, 2}) << 0.5 << quint64(6) << true
        << 4 << std::vector<int>{2, 0, 2};
}

void TestDataset::split() {
    QFETCH(NdArray, labels);
    QFETCH(double, fraction);
    QFETCH(quint64, seed);
    QFETCH(bool, stratified);
    QFETCH(int, testRows);
    QFETCH(std::vector<int>, testPerClass);

    const Split s = trainTestSplit(labels, fraction, seed, stratified);
    const auto n = labels.size();
    QCOMPARE(static_cast<int>(s.test.size()), testRows);
    QCOMPARE(static_cast<std::int64_t>(s.train.size()), n - testRows);

    // Every row exactly once, in one part only.
    Indices all = s.train;
    all.insert(all.end(), s.test.begin(), s.test.end());
    std::sort(all.begin(), all.end());
    Indices expected(static_cast<std::size_t>(n));
    std::iota(expected.begin(), expected.end(), 0);
    QCOMPARE(all, expected);
    const std::set<std::int64_t> train(s.train.begin(), s.train.end());
    for (std::int64_t r : s.test)
        QVERIFY2(!train.contains(r), qPrintable(QString("row %1 is in both parts").arg(r)));

    if (!testPerClass.empty()) {
        const Indices values = labels.toVector<std::int64_t>();
        const int classes = static_cast<int>(testPerClass.size());
        QCOMPARE(countPerClass(s.test, values, classes), testPerClass);
        std::vector<int> total = countPerClass(expected, values, classes);
        std::vector<int> trainCounts = countPerClass(s.train, values, classes);
        for (int c = 0; c < classes; ++c)
            QCOMPARE(trainCounts[static_cast<std::size_t>(c)] +
                         testPerClass[static_cast<std::size_t>(c)],
                     total[static_cast<std::size_t>(c)]);
    }
    // The parts are shuffled, not grouped by class: a validation_split tail is mixed.
    QVERIFY(!std::is_sorted(s.train.begin(), s.train.end()));
}

void TestDataset::splitIsDeterministic() {
    const NdArray labels = classLabels({50, 50, 50});
    for (bool stratified : {true, false}) {
        const Split a = trainTestSplit(labels, 0.2, 42, stratified);
        const Split b = trainTestSplit(labels, 0.2, 42, stratified);
        const Split c = trainTestSplit(labels, 0.2, 43, stratified);
        QCOMPARE(a.test, b.test);
        QCOMPARE(a.train, b.train);
        QVERIFY(a.test != c.test);
        Indices sortedA = a.test;
        Indices sortedC = c.test;
        std::sort(sortedA.begin(), sortedA.end());
        std::sort(sortedC.begin(), sortedC.end());
        QVERIFY2(sortedA != sortedC, "another seed picks other rows, not just another order");
    }
    const PreparedData p = Dataset::iris().prepare({.label = "species", .seed = 5});
    const PreparedData q = Dataset::iris().prepare({.label = "species", .seed = 5});
    QCOMPARE(p.xTrain, q.xTrain);
    QCOMPARE(p.yTest, q.yTest);
}

// Expected values from an independent Python implementation of the documented algorithm
// (mt19937_64 as the C++ standard defines it, rejection sampling, Fisher-Yates), so a seed
// saved with a project gives the same split on every platform.
void TestDataset::splitFollowsTheDocumentedAlgorithm_data() {
    QTest::addColumn<NdArray>("labels");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<bool>("stratified");
    QTest::addColumn<Indices>("test");
    QTest::addColumn<Indices>("trainHead");

    QTest::newRow("10 rows, 0.3, seed 42") << classLabels({10}) << 0.3 << quint64(42) << false
                                           << Indices{1, 7, 9} << Indices{0, 3, 8, 4, 2, 5, 6};
    QTest::newRow("iris, stratified 0.2, seed 0")
        << classLabels({50, 50, 50}) << 0.2 << quint64(0) << true
        << Indices{0,  58, 24, 97,  119, 81, 36, 52, 127, 1,   126, 131, 101, 18, 29,
                   59, 43, 30, 125, 99,  82, 50, 11, 138, 141, 33,  87,  103, 65, 139}
        << Indices{79, 77, 109, 96, 135, 112, 143, 102, 113, 85};
    QTest::newRow("7 + 3 rows, stratified 0.5, seed 1")
        << classLabels({7, 3}) << 0.5 << quint64(1) << true << Indices{7, 1, 4, 3, 6}
        << Indices{5, 0, 9, 8, 2};
}

void TestDataset::splitFollowsTheDocumentedAlgorithm() {
    QFETCH(NdArray, labels);
    QFETCH(double, fraction);
    QFETCH(quint64, seed);
    QFETCH(bool, stratified);
    QFETCH(Indices, test);
    QFETCH(Indices, trainHead);

    const Split s = trainTestSplit(labels, fraction, seed, stratified);
    QCOMPARE(s.test, test);
    QCOMPARE(
        Indices(s.train.begin(), s.train.begin() + static_cast<std::ptrdiff_t>(trainHead.size())),
        trainHead);
}

void TestDataset::splitRejectsFractionsThatLeaveAPartEmpty_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<QString>("message");
    QTest::newRow("zero") << 10 << 0.0 << "between 0 and 1";
    QTest::newRow("one") << 10 << 1.0 << "between 0 and 1";
    QTest::newRow("negative") << 10 << -0.2 << "between 0 and 1";
    QTest::newRow("NaN") << 10 << std::nan("") << "between 0 and 1";
    QTest::newRow("rounds to no test rows") << 10 << 0.04 << "leaves no test rows";
    QTest::newRow("rounds to no training rows") << 10 << 0.96 << "leaves no training rows";
}

void TestDataset::splitRejectsFractionsThatLeaveAPartEmpty() {
    QFETCH(int, rows);
    QFETCH(double, fraction);
    QFETCH(QString, message);
    try {
        (void)trainTestSplit(rows, fraction, 0);
        QFAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
    }
}

void TestDataset::standardizer_data() {
    QTest::addColumn<NdArray>("features");
    QTest::addColumn<std::vector<double>>("mean");
    QTest::addColumn<std::vector<double>>("stddev");
    QTest::addColumn<NdArray>("expected");

    QTest::newRow("two columns") << NdArray::fromVector<float>({1, 10, 2, 20, 3, 30, 4, 40}, {4, 2})
                                 << std::vector<double>{2.5, 25}
                                 << std::vector<double>{std::sqrt(1.25), std::sqrt(125.0)}
                                 << NdArray::fromVector<float>(
                                        {-1.3416408f, -1.3416408f, -0.4472136f, -0.4472136f,
                                         0.4472136f, 0.4472136f, 1.3416408f, 1.3416408f},
                                        {4, 2});
    QTest::newRow("a constant column gets std 1")
        << NdArray::fromVector<double>({7, 1, 7, 3}, {2, 2}) << std::vector<double>{7, 2}
        << std::vector<double>{1, 1} << NdArray::fromVector<float>({0, -1, 0, 1}, {2, 2});
    QTest::newRow("one row") << NdArray::fromVector<float>({5, -3}, {1, 2})
                             << std::vector<double>{5, -3} << std::vector<double>{1, 1}
                             << NdArray::fromVector<float>({0, 0}, {1, 2});
}

void TestDataset::standardizer() {
    QFETCH(NdArray, features);
    QFETCH(std::vector<double>, mean);
    QFETCH(std::vector<double>, stddev);
    QFETCH(NdArray, expected);

    const Standardizer s = Standardizer::fit(features);
    QCOMPARE(s.featureCount(), static_cast<int>(mean.size()));
    for (std::size_t c = 0; c < mean.size(); ++c) {
        QVERIFY(std::abs(s.mean()[c] - mean[c]) < 1e-12);
        QVERIFY(std::abs(s.stddev()[c] - stddev[c]) < 1e-12);
    }
    const NdArray z = s.transform(features);
    QCOMPARE(z.dtype(), DType::Float32);
    QCOMPARE(z.shape(), expected.shape());
    for (std::int64_t i = 0; i < z.size(); ++i)
        QVERIFY(std::abs(z.valueAt(i) - expected.valueAt(i)) < 1e-6);

    // The same statistics, restored, transform alike.
    QCOMPARE(Standardizer::fromStatistics(s.mean(), s.stddev()).transform(features), z);
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        s.transform(NdArray::zeros(DType::Float32, {1, s.featureCount() + 1})));
}

void TestDataset::standardizedIrisTrainingColumns() {
    const PreparedData data = Dataset::iris().prepare({.label = "species", .seed = 11});
    for (int c = 0; c < 4; ++c) {
        const auto [mean, stddev] = columnStats(data.xTrain, c);
        QVERIFY2(std::abs(mean) < 1e-5, qPrintable(QString::number(mean)));
        QVERIFY2(std::abs(stddev - 1) < 1e-5, qPrintable(QString::number(stddev)));
        // Test rows use the training statistics, so theirs are close to, not exactly, 0 and 1.
        const auto [testMean, testStd] = columnStats(data.xTest, c);
        QVERIFY(std::abs(testMean) < 0.5);
        QVERIFY(std::abs(testStd - 1) < 0.5);
    }
}

void TestDataset::oneHot_data() {
    QTest::addColumn<NdArray>("labels");
    QTest::addColumn<int>("classes");
    QTest::newRow("int64") << NdArray::fromVector<std::int64_t>({0, 2, 1, 2, 0}) << 3;
    QTest::newRow("int32") << NdArray::fromVector<std::int32_t>({1, 0, 3}) << 4;
    QTest::newRow("iris") << Dataset::iris().labels("species").indices << 3;
    QTest::newRow("empty") << NdArray::fromVector<std::int64_t>({}) << 2;
}

void TestDataset::oneHot() {
    QFETCH(NdArray, labels);
    QFETCH(int, classes);
    const NdArray y = qk::keras::oneHot(labels, classes);
    const std::int64_t n = labels.size();
    QCOMPARE(y.dtype(), DType::Float32);
    QCOMPARE(y.shape(), (Indices{n, classes}));
    for (std::int64_t i = 0; i < n; ++i) {
        float sum = 0;
        for (int c = 0; c < classes; ++c)
            sum += at(y, i, c);
        QCOMPARE(sum, 1.0f);
        QCOMPARE(at(y, i, static_cast<std::int64_t>(labels.valueAt(i))), 1.0f);
    }
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        qk::keras::oneHot(NdArray::fromVector<std::int64_t>({0, classes}), classes));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             qk::keras::oneHot(NdArray::fromVector<std::int64_t>({-1}), classes));
}

void TestDataset::takeRows() {
    const NdArray a = NdArray::fromVector<double>({0, 1, 10, 11, 20, 21}, {3, 2});
    QCOMPARE(qk::keras::takeRows(a, {2, 0, 2}),
             NdArray::fromVector<double>({20, 21, 0, 1, 20, 21}, {3, 2}));
    QCOMPARE(qk::keras::takeRows(a, {}).shape(), (Indices{0, 2}));
    QCOMPARE(qk::keras::takeRows(NdArray::fromVector<std::int64_t>({5, 6, 7}), {1}),
             NdArray::fromVector<std::int64_t>({6}));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, qk::keras::takeRows(a, {3}));
}

void TestDataset::csvTables_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<char>("separator");
    QTest::addColumn<bool>("dropMissing");
    QTest::addColumn<QStringList>("columns");
    QTest::addColumn<QString>("types"); // N numeric, C categorical, one per column
    QTest::addColumn<Indices>("lines"); // the line of each row
    QTest::addColumn<int>("dropped");
    QTest::addColumn<QString>("cellColumn");
    QTest::addColumn<int>("cellRow");
    QTest::addColumn<QString>("cell"); // the text, or the number in C-locale form

    QTest::newRow("plain") << QByteArray("x,y,name\n1,2.5,a\n3,-4e2,b\n") << ',' << false
                           << QStringList{"x", "y", "name"} << "NNC" << Indices{2, 3} << 0 << "y"
                           << 1 << "-400";
    QTest::newRow("no newline at the end")
        << QByteArray("x,y\n1,2\n3,4") << ',' << false << QStringList{"x", "y"} << "NN"
        << Indices{2, 3} << 0 << "y" << 1 << "4";
    QTest::newRow("quoted fields") << QByteArray("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n"
                                                 "\"\",plain\n")
                                   << ',' << false << QStringList{"name", "note"} << "CC"
                                   << Indices{2, 3} << 0 << "note" << 0 << "said \"hi\"";
    QTest::newRow("quoted separator kept")
        << QByteArray("name,note\n\"Smith, J\",x\n") << ',' << false << QStringList{"name", "note"}
        << "CC" << Indices{2} << 0 << "name" << 0 << "Smith, J";
    QTest::newRow("quoted field across lines")
        << QByteArray("id,text\n1,\"two\nlines\"\n2,one line\n") << ',' << false
        << QStringList{"id", "text"} << "NC" << Indices{2, 4} << 0 << "text" << 0 << "two\nlines";
    QTest::newRow("quoted header and numbers")
        << QByteArray("\"a b\",\"c\"\n\"1\", \"2\" \n") << ',' << false << QStringList{"a b", "c"}
        << "NN" << Indices{2} << 0 << "c" << 0 << "2";
    QTest::newRow("semicolon") << QByteArray("a;b\n1,5;x\n2,5;y\n") << ';' << false
                               << QStringList{"a", "b"} << "CC" << Indices{2, 3} << 0 << "a" << 0
                               << "1,5";
    QTest::newRow("tab") << QByteArray("a\tb\tc\n1\t\tz\n2\t3\t\n") << '\t' << true
                         << QStringList{"a", "b", "c"} << "NNC" << Indices{3} << 1 << "c" << 0
                         << "";
    QTest::newRow("CRLF") << QByteArray("a,b\r\n1,x\r\n2,y\r\n") << ',' << false
                          << QStringList{"a", "b"} << "NC" << Indices{2, 3} << 0 << "b" << 1 << "y";
    QTest::newRow("CRLF inside quotes is kept")
        << QByteArray("a,b\r\n1,\"p\r\nq\"\r\n") << ',' << false << QStringList{"a", "b"} << "NC"
        << Indices{2} << 0 << "b" << 0 << "p\r\nq";
    QTest::newRow("UTF-8 BOM and text")
        << QByteArray("\xEF\xBB\xBFnom,\xC3\xA2ge\n"
                      "Zo\xC3\xAB,31\n")
        << ',' << false << QStringList{"nom", QString::fromUtf8("\xC3\xA2ge")} << "CN" << Indices{2}
        << 0 << "nom" << 0 << QString::fromUtf8("Zo\xC3\xAB");
    QTest::newRow("blank lines at the end")
        << QByteArray("a,b\n1,2\n3,4\n\n\n  \n\r\n") << ',' << false << QStringList{"a", "b"}
        << "NN" << Indices{2, 3} << 0 << "a" << 1 << "3";
    QTest::newRow("blank lines between rows")
        << QByteArray("a,b\n\n1,2\n\n3,4\n") << ',' << false << QStringList{"a", "b"} << "NN"
        << Indices{3, 5} << 0 << "b" << 1 << "4";
    QTest::newRow("spaces around fields")
        << QByteArray(" a , b \n 1 ,  x y  \n") << ',' << false << QStringList{"a", "b"} << "NC"
        << Indices{2} << 0 << "b" << 0 << "x y";
    QTest::newRow("number forms") << QByteArray("n\n+3\n.5\n-0.25\n1e3\n7.\n") << ',' << false
                                  << QStringList{"n"} << "N" << Indices{2, 3, 4, 5, 6} << 0 << "n"
                                  << 0 << "3";
    QTest::newRow("one text value makes a column categorical")
        << QByteArray("a,b\n1,2\n3,x\n5,6\n") << ',' << false << QStringList{"a", "b"} << "NC"
        << Indices{2, 3, 4} << 0 << "b" << 2 << "6";
    QTest::newRow("nan and inf are text")
        << QByteArray("a,b\n1,nan\n2,inf\n") << ',' << false << QStringList{"a", "b"} << "NC"
        << Indices{2, 3} << 0 << "b" << 1 << "inf";
    QTest::newRow("empty values in a text column are kept")
        << QByteArray("a,b\n1,\n2,y\n") << ',' << false << QStringList{"a", "b"} << "NC"
        << Indices{2, 3} << 0 << "b" << 0 << "";
    QTest::newRow("rows with missing numbers dropped")
        << QByteArray("a,b,c\n1,2,x\n,3,y\n4,,z\n5,6,w\n") << ',' << true
        << QStringList{"a", "b", "c"} << "NNC" << Indices{2, 5} << 2 << "c" << 1 << "w";
    QTest::newRow("header only") << QByteArray("a,b\n") << ',' << false << QStringList{"a", "b"}
                                 << "CC" << Indices{} << 0 << "" << 0 << "";
}

void TestDataset::csvTables() {
    QFETCH(QByteArray, text);
    QFETCH(char, separator);
    QFETCH(bool, dropMissing);
    QFETCH(QStringList, columns);
    QFETCH(QString, types);
    QFETCH(Indices, lines);
    QFETCH(int, dropped);
    QFETCH(QString, cellColumn);
    QFETCH(int, cellRow);
    QFETCH(QString, cell);

    const Dataset data = readCsv(text, separator, dropMissing);
    QCOMPARE(data.columnNames(), columns);
    QCOMPARE(data.columnCount(), columns.size());
    QString actualTypes;
    for (const QString& name : columns)
        actualTypes += data.columnType(name) == Dataset::ColumnType::Numeric ? 'N' : 'C';
    QCOMPARE(actualTypes, types);
    QCOMPARE(data.rowCount(), static_cast<qint64>(lines.size()));
    for (std::size_t r = 0; r < lines.size(); ++r)
        QCOMPARE(data.lineOfRow(static_cast<qint64>(r)), lines[r]);
    QCOMPARE(data.droppedRowCount(), dropped);
    if (cellColumn.isEmpty())
        return;
    if (data.columnType(cellColumn) == Dataset::ColumnType::Numeric)
        QCOMPARE(data.numbers(cellColumn)[static_cast<std::size_t>(cellRow)], cell.toDouble());
    else
        QCOMPARE(data.texts(cellColumn)[cellRow], cell);
}

void TestDataset::csvErrors_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<char>("separator");
    QTest::addColumn<QStringList>("numeric");
    QTest::addColumn<int>("line");   // 0: not tied to a line
    QTest::addColumn<int>("column"); // 0: not tied to a column
    QTest::addColumn<QString>("message");

    const QStringList none;
    QTest::newRow("empty file") << QByteArray() << ',' << none << 0 << 0
                                << "fixture.csv: the file is empty; expected a header row";
    QTest::newRow("only blank lines")
        << QByteArray("\n\r\n  \n") << ',' << none << 0 << 0 << "the file is empty";
    QTest::newRow("only a BOM") << QByteArray("\xEF\xBB\xBF") << ',' << none << 0 << 0
                                << "the file is empty";
    QTest::newRow("no header") << QByteArray("5.1,3.5,1.4\n4.9,3.0,1.4\n") << ',' << none << 1 << 0
                               << "fixture.csv: line 1: no header row: the first line holds "
                                  "numbers ('5.1,3.5,1.4'), but it must name the columns";
    QTest::newRow("duplicate column names")
        << QByteArray("a,b,a\n1,2,3\n") << ',' << none << 1 << 3
        << "fixture.csv: line 1, column 3 (a): duplicate column name 'a' (also column 1)";
    QTest::newRow("empty column name") << QByteArray("a,,c\n1,2,3\n") << ',' << none << 1 << 2
                                       << "line 1, column 2: the header has an empty column name";
    QTest::newRow("short row") << QByteArray("a,b,c\n1,2,3\n4,5\n") << ',' << none << 3 << 3
                               << "fixture.csv: line 3, column 3 (c): the row has 2 fields, but "
                                  "the header names 3 columns";
    QTest::newRow("long row") << QByteArray("a,b,c\n1,2,3,4\n") << ',' << none << 2 << 4
                              << "fixture.csv: line 2, column 4: the row has 4 fields, but the "
                                 "header names 3 columns";
    QTest::newRow("ragged after a multi-line field")
        << QByteArray("a,b\n\"x\ny\",1\nz\n") << ',' << none << 4 << 2
        << "line 4, column 2 (b): the row has 1 field, but";
    QTest::newRow("ragged with another separator")
        << QByteArray("a;b\n1;2\n3,4\n") << ';' << none << 3 << 2 << "line 3, column 2 (b)";
    QTest::newRow("text in a numeric column")
        << QByteArray("a,b\n1,2\n3,4\n5,abc\n") << ',' << QStringList{"b"} << 4 << 2
        << "fixture.csv: line 4, column 2 (b): 'abc' is not a number, and the column is numeric";
    QTest::newRow("decimal comma in a numeric column")
        << QByteArray("a;b\n1;2,5\n") << ';' << QStringList{"b"} << 2 << 2
        << "line 2, column 2 (b): '2,5' is not a number";
    QTest::newRow("numeric column that does not exist")
        << QByteArray("a,b\n1,2\n") << ',' << QStringList{"c"} << 0 << 0
        << "fixture.csv: column c: no such column among a, b (it is listed as numeric)";
    QTest::newRow("missing value") << QByteArray("a,b\n1,2\n3,\n5,6\n") << ',' << none << 3 << 2
                                   << "fixture.csv: line 3, column 2 (b): missing value in a "
                                      "numeric column (row 1; set dropRowsWithMissingValues to "
                                      "drop such rows)";
    QTest::newRow("first missing value is named")
        << QByteArray("a,b\n1,2\n3,4\n5,\n,6\n") << ',' << none << 4 << 2 << "line 4, column 2";
    QTest::newRow("missing value in a declared numeric column")
        << QByteArray("a,b\n1,\n2,\n") << ',' << QStringList{"b"} << 2 << 2
        << "line 2, column 2 (b): missing value";
    QTest::newRow("unterminated quote")
        << QByteArray("a,b\n1,2\n3,\"open\n4,5\n6,7\n") << ',' << none << 3 << 2
        << "fixture.csv: line 3, column 2 (b): unterminated "
           "quoted field";
    QTest::newRow("unterminated quote in the header")
        << QByteArray("a,\"b\n1,2\n") << ',' << none << 1 << 2
        << "line 1, column 2: unterminated quoted field";
    QTest::newRow("text after a closing quote")
        << QByteArray("a,b\n1,\"x\"y\n") << ',' << none << 2 << 2
        << "line 2, column 2 (b): unexpected 'y' after the closing quote";
    QTest::newRow("invalid UTF-8") << QByteArray("a,b\n1,x\n2,\xFF\xFE\n") << ',' << none << 3 << 0
                                   << "fixture.csv: line 3: the text is not valid UTF-8";
    QTest::newRow("quote as separator")
        << QByteArray("a,b\n") << '"' << none << 0 << 0 << "the separator must be";
}

void TestDataset::csvErrors() {
    QFETCH(QByteArray, text);
    QFETCH(char, separator);
    QFETCH(QStringList, numeric);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);

    try {
        (void)readCsv(text, separator, false, numeric);
        QFAIL("expected a DatasetError");
    } catch (const DatasetError& e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.contains(message), qPrintable(what));
        QVERIFY2(what.startsWith("fixture.csv"), qPrintable(what));
        QCOMPARE(e.location().source, "fixture.csv");
        QCOMPARE(e.location().line, line);
        QCOMPARE(e.location().column, column);
        if (line > 0)
            QVERIFY2(what.contains(QString("line %1").arg(line)), qPrintable(what));
        if (column > 0)
            QVERIFY2(what.contains(QString("column %1").arg(column)), qPrintable(what));
    }
}

void TestDataset::csvFromFiles() {
    const Dataset cities = Dataset::fromCsv(kCsvDir + "bom_crlf_semicolon.csv", {.separator = ';'});
    QCOMPARE(cities.columnNames(), (QStringList{"city", "population", "area"}));
    QCOMPARE(cities.rowCount(), 2);
    QCOMPARE(cities.texts("city"), (QStringList{"Bordeaux, centre", "Le \"Havre\""}));
    QCOMPARE(cities.numbers("population"), (std::vector<double>{257068, 170147}));
    QCOMPARE(cities.source(), kCsvDir + "bom_crlf_semicolon.csv");
    // "49,36" is not a number in the C locale, so area is text, and the error says where.
    try {
        (void)cities.features({"population", "area"});
        QFAIL("expected a DatasetError");
    } catch (const DatasetError& e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 kCsvDir + "bom_crlf_semicolon.csv: line 2, column 3 (area): '49,36' is not a "
                           "number, so the column is categorical and cannot be a feature");
    }

    try {
        (void)Dataset::fromCsv(kCsvDir + "ragged.csv");
        QFAIL("expected a DatasetError");
    } catch (const DatasetError& e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 kCsvDir + "ragged.csv: line 3, column 3 (c): the row has 2 fields, but the "
                           "header names 3 columns");
    }

    const QString missing = kCsvDir + "no-such-file.csv";
    try {
        (void)Dataset::fromCsv(missing);
        QFAIL("expected a DatasetError");
    } catch (const DatasetError& e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.startsWith(missing + ": cannot open: "), qPrintable(what));
    }
}

void TestDataset::columnMisuseIsNamed() {
    const Dataset data = readCsv("id,kind,size\n1,a,10\n2,,20\n3,b,x\n");
    auto expectError = [](auto call, const QString& message) {
        try {
            call();
            QFAIL("expected a DatasetError");
        } catch (const DatasetError& e) {
            QCOMPARE(QString::fromUtf8(e.what()), message);
        }
    };
    expectError(
        [&] {
            (void)data.features({"id", "size"});
        },
        "fixture.csv: line 4, column 3 (size): 'x' is not a number, so the column is "
        "categorical and cannot be a feature");
    expectError([&] { (void)data.features({"weight"}); },
                "fixture.csv: column weight: no such column; the columns are id, kind, size");
    expectError([&] { (void)data.labels("kind"); },
                "fixture.csv: line 3, column 2 (kind): missing label (row 1)");
    expectError([&] { (void)data.numbers("kind"); },
                "fixture.csv: column 2 (kind): the column is categorical, not numeric");
    expectError([&] { (void)data.prepare({.label = "id", .features = {"id"}}); },
                "fixture.csv: column 1 (id): the label column is also chosen as a feature");
    expectError([&] { (void)data.prepare({}); }, "fixture.csv: no label column chosen");
}

void TestDataset::numericLabelsAreSortedNumerically() {
    const Dataset data = readCsv("x,digit\n1,10\n2,2\n3,0.5\n4,2\n5,10\n");
    const Labels y = data.labels("digit");
    QCOMPARE(y.classes, (QStringList{"0.5", "2", "10"}));
    QCOMPARE(y.indices.toVector<std::int64_t>(), (Indices{2, 1, 0, 1, 2}));
    // Text labels are sorted too, whatever order they appear in.
    const Labels t = readCsv("x,c\n1,b\n2,a\n3,c\n4,a\n").labels("c");
    QCOMPARE(t.classes, (QStringList{"a", "b", "c"}));
    QCOMPARE(t.indices.toVector<std::int64_t>(), (Indices{1, 0, 2, 0}));
}

void TestDataset::largeCsv() {
    QTemporaryFile file;
    QVERIFY(file.open());
    constexpr int kRows = 100000;
    const char* const kinds[] = {"alpha", "beta", "gamma"};
    QByteArray text = "id,x,y,z,w,kind\n";
    for (int i = 0; i < kRows; ++i) {
        text += QByteArray::number(i) + ',' + QByteArray::number(i * 0.5) + ',' +
                QByteArray::number(-i) + ',' + QByteArray::number(i % 7) + ",1e-3," + kinds[i % 3] +
                '\n';
    }
    file.write(text);
    file.close();

    QElapsedTimer timer;
    timer.start();
    const Dataset data = Dataset::fromCsv(file.fileName());
    const qint64 readMs = timer.elapsed();
    const PreparedData prepared = data.prepare({.label = "kind", .seed = 1});
    qInfo("read %d rows (%.1f MB) in %lld ms; prepared them in %lld ms", kRows,
          static_cast<double>(text.size()) / 1e6, readMs, timer.elapsed() - readMs);

    QCOMPARE(data.rowCount(), kRows);
    QCOMPARE(data.numbers("x")[77777], 38888.5);
    QCOMPARE(data.texts("kind")[kRows - 1], "alpha");
    QCOMPARE(data.lineOfRow(kRows - 1), kRows + 1);
    QCOMPARE(prepared.xTrain.shape(), (Indices{80000, 5}));
    QCOMPARE(prepared.yTest.shape(), (Indices{20000, 3}));
}

QTEST_GUILESS_MAIN(TestDataset)
#include "tst_dataset.moc"
