// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/dataset.h"

#include "bridge/keras/csvtable.h"

#include <QFile>
#include <QHash>
#include <QIODevice>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>

// The iris table is compiled in with qt_add_resources; registering it again is harmless, and
// makes iris() work even where a linker dropped the resource's static initializer.
static void initDatasetResources() {
    Q_INIT_RESOURCE(qk_keras_data);
}

namespace qk::keras {

using detail::inQuotes;

namespace {

const QString kIrisPath = QStringLiteral(":/qtkeras/data/iris.csv");

QString describe(const DatasetError::Location& where, const QString& problem) {
    QString place = where.source;
    QString position;
    if (where.line > 0)
        position = QStringLiteral("line %1").arg(where.line);
    if (where.column > 0) {
        if (!position.isEmpty())
            position += QStringLiteral(", ");
        position += QStringLiteral("column %1").arg(where.column);
        if (!where.columnName.isEmpty())
            position += QStringLiteral(" (%1)").arg(where.columnName);
    } else if (!where.columnName.isEmpty()) {
        if (!position.isEmpty())
            position += QStringLiteral(", ");
        position += QStringLiteral("column %1").arg(where.columnName);
    }
    if (!position.isEmpty())
        place += place.isEmpty() ? position : QStringLiteral(": ") + position;
    return place.isEmpty() ? problem : place + QStringLiteral(": ") + problem;
}

// Draws uniformly from [0, bound) without modulo bias, the same on every platform: rejects
// the generator outputs below 2^64 mod bound, then reduces modulo bound.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        const std::uint64_t r = rng();
        if (r >= threshold)
            return r % bound;
    }
}

void fisherYates(std::vector<std::int64_t>& a, std::mt19937_64& rng) {
    for (std::size_t i = a.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(uniformBelow(rng, i));
        std::swap(a[i - 1], a[j]);
    }
}

std::int64_t testRowCount(std::int64_t rows, double testFraction) {
    if (!(testFraction > 0.0 && testFraction < 1.0))
        throw std::invalid_argument("trainTestSplit: the test fraction must be between 0 and 1, "
                                    "not " +
                                    std::to_string(testFraction));
    const std::int64_t nTest = std::llround(testFraction * static_cast<double>(rows));
    if (nTest < 1 || nTest > rows - 1)
        throw std::invalid_argument("trainTestSplit: a test fraction of " +
                                    std::to_string(testFraction) + " of " + std::to_string(rows) +
                                    " rows leaves " + (nTest < 1 ? "no test" : "no training") +
                                    " rows");
    return nTest;
}

std::vector<std::int64_t> labelValues(const NdArray& labels, const char* what) {
    if (labels.ndim() != 1)
        throw std::invalid_argument(std::string(what) + ": labels must have shape (n,)");
    if (labels.dtype() == DType::Int64)
        return labels.toVector<std::int64_t>();
    if (labels.dtype() == DType::Int32) {
        const std::vector<std::int32_t> v = labels.toVector<std::int32_t>();
        return {v.begin(), v.end()};
    }
    throw std::invalid_argument(std::string(what) + ": labels must be int32 or int64, not " +
                                dtypeName(labels.dtype()).toStdString());
}

// float32 arrays of shape (rows, k_i) side by side: (rows, sum k_i).
NdArray joinColumns(const std::vector<NdArray>& parts, qint64 rows) {
    qint64 width = 0;
    for (const NdArray& part : parts)
        width += part.shape().at(1);
    NdArray out = NdArray::zeros(DType::Float32, {rows, width});
    float* p = out.mutableData<float>();
    qint64 offset = 0;
    for (const NdArray& part : parts) {
        const qint64 k = part.shape().at(1);
        const float* in = part.data<float>();
        for (qint64 i = 0; i < rows; ++i)
            std::memcpy(p + i * width + offset, in + i * k,
                        static_cast<std::size_t>(k) * sizeof(float));
        offset += k;
    }
    return out;
}

} // namespace

DatasetError::DatasetError(Location where, const QString& problem)
    : std::runtime_error(describe(where, problem).toStdString())
    , m_where(std::move(where))
    , m_problem(problem) {}

Dataset::Dataset()
    : d(std::make_shared<const Data>()) {}

Dataset Dataset::iris() {
    initDatasetResources();
    QFile file(kIrisPath);
    return fromCsv(
        file, {.numericColumns = {QStringLiteral("sepal_length"), QStringLiteral("sepal_width"),
                                  QStringLiteral("petal_length"), QStringLiteral("petal_width")}});
}

Dataset Dataset::fromCsv(const QString& path, const CsvOptions& options) {
    QFile file(path);
    return fromCsv(file, options, path);
}

Dataset Dataset::fromCsv(QIODevice& device, const CsvOptions& options, const QString& sourceName) {
    QString source = sourceName;
    if (source.isEmpty()) {
        if (auto* file = qobject_cast<QFile*>(&device))
            source = file->fileName();
    }
    Dataset result;
    result.d = std::make_shared<const Data>(detail::readCsvTable(device, options, source));
    return result;
}

QString Dataset::source() const {
    return d->source;
}

qint64 Dataset::rowCount() const {
    return static_cast<qint64>(d->lines.size());
}

int Dataset::columnCount() const {
    return static_cast<int>(d->columns.size());
}

QStringList Dataset::columnNames() const {
    QStringList names;
    for (const Column& c : d->columns)
        names.append(c.name);
    return names;
}

bool Dataset::hasColumn(const QString& name) const {
    return std::any_of(d->columns.begin(), d->columns.end(),
                       [&name](const Column& c) { return c.name == name; });
}

qint64 Dataset::lineOfRow(qint64 row) const {
    if (row < 0 || row >= rowCount())
        throw std::out_of_range("Dataset::lineOfRow: row out of range");
    return d->lines[static_cast<std::size_t>(row)];
}

qint64 Dataset::droppedRowCount() const {
    return d->dropped;
}

const Dataset::Column& Dataset::column(const QString& name) const {
    for (const Column& c : d->columns) {
        if (c.name == name)
            return c;
    }
    throw DatasetError({d->source, 0, 0, name}, QStringLiteral("no such column; the columns are %1")
                                                    .arg(columnNames().join(QStringLiteral(", "))));
}

Dataset::ColumnType Dataset::columnType(const QString& name) const {
    return column(name).type;
}

const std::vector<double>& Dataset::numbers(const QString& name) const {
    const Column& c = column(name);
    if (c.type != ColumnType::Numeric)
        throw DatasetError({d->source, 0, c.index, c.name},
                           QStringLiteral("the column is categorical, not numeric"));
    return c.numbers;
}

const QStringList& Dataset::texts(const QString& name) const {
    const Column& c = column(name);
    if (c.type != ColumnType::Categorical)
        throw DatasetError({d->source, 0, c.index, c.name},
                           QStringLiteral("the column is numeric, not categorical"));
    return c.texts;
}

NdArray Dataset::features(const QStringList& columns) const {
    if (columns.isEmpty())
        throw DatasetError({d->source, 0, 0, {}}, QStringLiteral("no feature columns chosen"));
    std::vector<const Column*> chosen;
    for (const QString& name : columns) {
        const Column& c = column(name);
        if (c.type != ColumnType::Numeric) {
            const qint64 row = std::max<qint64>(c.firstTextRow, 0);
            const QString detail =
                c.firstTextRow >= 0
                    ? QStringLiteral("%1 is not a number, so the column is categorical and "
                                     "cannot be a feature")
                          .arg(inQuotes(c.texts.at(static_cast<qsizetype>(row))))
                    : QStringLiteral("the column has no values, so it cannot be a feature");
            throw DatasetError(
                {d->source, c.firstTextRow >= 0 ? lineOfRow(row) : 0, c.index, c.name}, detail);
        }
        chosen.push_back(&c);
    }
    const qint64 n = rowCount();
    const auto k = static_cast<qint64>(chosen.size());
    NdArray out = NdArray::zeros(DType::Float32, {n, k});
    float* p = out.mutableData<float>();
    for (qint64 j = 0; j < k; ++j) {
        const std::vector<double>& values = chosen[static_cast<std::size_t>(j)]->numbers;
        for (qint64 i = 0; i < n; ++i)
            p[i * k + j] = static_cast<float>(values[static_cast<std::size_t>(i)]);
    }
    return out;
}

Labels Dataset::labels(const QString& name) const {
    const Column& c = column(name);
    const auto n = static_cast<std::size_t>(rowCount());
    std::vector<std::int64_t> indices(n);
    Labels result;
    if (c.type == ColumnType::Numeric) {
        std::map<double, std::int64_t> classes;
        for (double v : c.numbers)
            classes.emplace(v, 0);
        std::int64_t next = 0;
        for (auto& [value, index] : classes) {
            index = next++;
            result.classes.append(QString::number(value, 'g', QLocale::FloatingPointShortest));
        }
        for (std::size_t i = 0; i < n; ++i)
            indices[i] = classes.at(c.numbers[i]);
    } else {
        for (qsizetype i = 0; i < c.texts.size(); ++i) {
            if (c.texts.at(i).isEmpty())
                throw DatasetError({d->source, lineOfRow(i), c.index, c.name},
                                   QStringLiteral("missing label (row %1)").arg(i));
        }
        QStringList sorted = c.texts;
        sorted.sort(Qt::CaseSensitive);
        sorted.removeDuplicates();
        QHash<QString, std::int64_t> indexOf;
        for (qsizetype i = 0; i < sorted.size(); ++i)
            indexOf.insert(sorted.at(i), i);
        for (std::size_t i = 0; i < n; ++i)
            indices[i] = indexOf.value(c.texts.at(static_cast<qsizetype>(i)));
        result.classes = std::move(sorted);
    }
    result.indices = NdArray::fromVector(indices);
    return result;
}

QStringList Dataset::categories(const QString& name) const {
    const Column& c = column(name);
    if (c.type == ColumnType::Numeric)
        throw DatasetError({d->source, 0, c.index, c.name},
                           QStringLiteral("the column is numeric, not categorical"));
    QStringList sorted = c.texts;
    sorted.removeAll(QString());
    sorted.sort(Qt::CaseSensitive);
    sorted.removeDuplicates();
    return sorted;
}

NdArray Dataset::oneHotFeatures(const QString& name) const {
    const QStringList values = categories(name);
    QHash<QString, qint64> indexOf;
    for (qsizetype i = 0; i < values.size(); ++i)
        indexOf.insert(values.at(i), i);
    const QStringList& texts = column(name).texts;
    const qint64 n = rowCount();
    const auto k = static_cast<qint64>(values.size());
    NdArray out = NdArray::zeros(DType::Float32, {n, k});
    float* p = out.mutableData<float>();
    for (qint64 i = 0; i < n; ++i) {
        const auto at = indexOf.constFind(texts.at(static_cast<qsizetype>(i)));
        if (at != indexOf.cend())
            p[i * k + *at] = 1.0f;
    }
    return out;
}

PreparedData Dataset::prepare(const PrepareOptions& options) const {
    if (options.label.isEmpty())
        throw DatasetError({d->source, 0, 0, {}}, QStringLiteral("no label column chosen"));
    const Column& label = column(options.label);
    QStringList featureNames = options.features;
    if (featureNames.isEmpty() && !options.numericByDefault) {
        if (options.encoded.isEmpty())
            throw DatasetError({d->source, 0, 0, {}}, QStringLiteral("no feature column chosen"));
    } else if (featureNames.isEmpty()) {
        for (const Column& c : d->columns) {
            if (c.type == ColumnType::Numeric && c.name != label.name)
                featureNames.append(c.name);
        }
        if (featureNames.isEmpty() && options.encoded.isEmpty())
            throw DatasetError({d->source, 0, 0, {}},
                               QStringLiteral("there is no numeric column besides the label "
                                              "to use as a feature"));
    } else if (featureNames.contains(label.name)) {
        throw DatasetError({d->source, 0, label.index, label.name},
                           QStringLiteral("the label column is also chosen as a feature"));
    }
    if (options.encoded.contains(label.name))
        throw DatasetError({d->source, 0, label.index, label.name},
                           QStringLiteral("the label column is also chosen as a feature"));

    // The numeric features, then each encoded column's one-hot columns ("colour=red", ...).
    std::vector<NdArray> parts;
    QStringList names;
    if (!featureNames.isEmpty()) {
        parts.push_back(features(featureNames));
        names = featureNames;
    }
    for (const QString& name : options.encoded) {
        parts.push_back(oneHotFeatures(name));
        for (const QString& value : categories(name))
            names.append(name + QLatin1Char('=') + value);
    }
    const NdArray x = parts.size() == 1 ? parts.front() : joinColumns(parts, rowCount());
    Labels y = labels(label.name);

    PreparedData out;
    out.featureNames = names;
    out.classes = y.classes;
    out.split = trainTestSplit(y.indices, options.testFraction, options.seed, options.stratified);
    out.xTrain = takeRows(x, out.split.train);
    out.xTest = takeRows(x, out.split.test);
    if (options.standardize) {
        Standardizer s = Standardizer::fit(out.xTrain);
        out.xTrain = s.transform(out.xTrain);
        out.xTest = s.transform(out.xTest);
        out.standardizer = std::move(s);
    }
    NdArray targets = options.targets == PrepareOptions::Targets::OneHot
                          ? oneHot(y.indices, static_cast<int>(y.classes.size()))
                          : y.indices;
    out.yTrain = takeRows(targets, out.split.train);
    out.yTest = takeRows(targets, out.split.test);
    return out;
}

NdArray takeRows(const NdArray& array, const std::vector<std::int64_t>& rows) {
    if (array.ndim() < 1)
        throw std::invalid_argument("takeRows: the array has no rows (it is 0-d)");
    const std::int64_t count = array.shape()[0];
    const std::int64_t rowBytes = count == 0 ? 0 : array.bytes().size() / count;
    std::vector<std::int64_t> shape = array.shape();
    shape[0] = static_cast<std::int64_t>(rows.size());
    QByteArray bytes(static_cast<qsizetype>(rowBytes * shape[0]), Qt::Uninitialized);
    char* out = bytes.data();
    const char* in = array.bytes().constData();
    for (std::int64_t r : rows) {
        if (r < 0 || r >= count)
            throw std::out_of_range("takeRows: row " + std::to_string(r) + " is outside 0.." +
                                    std::to_string(count - 1));
        std::memcpy(out, in + r * rowBytes, static_cast<std::size_t>(rowBytes));
        out += rowBytes;
    }
    return NdArray(array.dtype(), std::move(shape), std::move(bytes));
}

NdArray oneHot(const NdArray& labels, int classCount) {
    if (classCount < 1)
        throw std::invalid_argument("oneHot: there must be at least one class");
    const std::vector<std::int64_t> values = labelValues(labels, "oneHot");
    const auto n = static_cast<std::int64_t>(values.size());
    NdArray out = NdArray::zeros(DType::Float32, {n, classCount});
    float* p = out.mutableData<float>();
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t v = values[static_cast<std::size_t>(i)];
        if (v < 0 || v >= classCount)
            throw std::invalid_argument("oneHot: label " + std::to_string(v) + " at row " +
                                        std::to_string(i) + " is outside 0.." +
                                        std::to_string(classCount - 1));
        p[i * classCount + v] = 1.0f;
    }
    return out;
}

Split trainTestSplit(std::int64_t rowCount, double testFraction, std::uint64_t seed) {
    const std::int64_t nTest = testRowCount(rowCount, testFraction);
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> order(static_cast<std::size_t>(rowCount));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    fisherYates(order, rng);
    Split split;
    split.test.assign(order.begin(), order.begin() + nTest);
    split.train.assign(order.begin() + nTest, order.end());
    return split;
}

Split trainTestSplit(const NdArray& labels, double testFraction, std::uint64_t seed,
                     bool stratified) {
    const std::vector<std::int64_t> values = labelValues(labels, "trainTestSplit");
    if (!stratified)
        return trainTestSplit(static_cast<std::int64_t>(values.size()), testFraction, seed);

    const auto n = static_cast<std::int64_t>(values.size());
    const std::int64_t nTest = testRowCount(n, testFraction);
    std::int64_t classCount = 0;
    for (std::int64_t v : values) {
        if (v < 0)
            throw std::invalid_argument("trainTestSplit: class index " + std::to_string(v) +
                                        " is negative");
        classCount = std::max(classCount, v + 1);
    }
    std::vector<std::vector<std::int64_t>> groups(static_cast<std::size_t>(classCount));
    for (std::int64_t i = 0; i < n; ++i)
        groups[static_cast<std::size_t>(values[static_cast<std::size_t>(i)])].push_back(i);

    // Largest-remainder apportionment of nTest over the classes, in exact integers.
    std::vector<std::int64_t> quota(groups.size());
    std::vector<std::int64_t> remainder(groups.size());
    std::int64_t given = 0;
    for (std::size_t c = 0; c < groups.size(); ++c) {
        const std::int64_t share = nTest * static_cast<std::int64_t>(groups[c].size());
        quota[c] = share / n;
        remainder[c] = share % n;
        given += quota[c];
    }
    std::vector<std::size_t> byRemainder(groups.size());
    std::iota(byRemainder.begin(), byRemainder.end(), std::size_t{0});
    std::stable_sort(byRemainder.begin(), byRemainder.end(),
                     [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t i = 0; given < nTest; ++i, ++given)
        ++quota[byRemainder[i]];

    std::mt19937_64 rng(seed);
    Split split;
    split.test.reserve(static_cast<std::size_t>(nTest));
    split.train.reserve(static_cast<std::size_t>(n - nTest));
    for (std::size_t c = 0; c < groups.size(); ++c) {
        std::vector<std::int64_t>& rows = groups[c];
        fisherYates(rows, rng);
        const auto t = static_cast<std::ptrdiff_t>(quota[c]);
        split.test.insert(split.test.end(), rows.begin(), rows.begin() + t);
        split.train.insert(split.train.end(), rows.begin() + t, rows.end());
    }
    fisherYates(split.test, rng);
    fisherYates(split.train, rng);
    return split;
}

} // namespace qk::keras
