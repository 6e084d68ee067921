// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/standardizer.h"
#include "bridge/protocol/ndarray.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace qk::keras {

namespace detail {
struct DatasetColumn;
struct DatasetTable;
} // namespace detail

// A problem with a data file or with how its columns are used. what() is the whole message,
// "<source>: line <l>, column <c> (<name>): <problem>", with the parts that are known.
class DatasetError : public std::runtime_error {
public:
    struct Location {
        QString source;     // file name or resource path; empty for an unnamed device
        qint64 line = 0;    // 1-based line in the source; 0 when not tied to a line
        int column = 0;     // 1-based column; 0 when not tied to a column
        QString columnName; // the header's name for that column, when known
    };

    DatasetError(Location where, const QString& problem);

    const Location& location() const { return m_where; }
    const QString& problem() const { return m_problem; }

private:
    Location m_where;
    QString m_problem;
};

// How a CSV file is read.
struct CsvOptions {
    // The field separator: ',' (the default), ';', '\t' or another ASCII character that is
    // not a quote, a space or a line end.
    char separator = ',';
    // Columns that must be numeric: a value in them that is not a number is an error that
    // names its line. The types of the other columns are inferred.
    QStringList numericColumns = {};
    // Drop rows that have an empty value in a numeric column, instead of failing on the first.
    bool dropRowsWithMissingValues = false;
};

// Class labels: a class index per row, and the class names (index i names class i).
struct Labels {
    NdArray indices; // int64, shape (n,)
    QStringList classes;
};

// Which rows go to training and which to testing; both lists are in random order, so a
// later validation_split (which takes the tail) gets a mixed sample.
struct Split {
    std::vector<std::int64_t> train;
    std::vector<std::int64_t> test;
};

// How a table becomes model inputs and targets.
struct PrepareOptions {
    enum class Targets {
        OneHot, // float32 (n, classes), for categorical_crossentropy
        Indices // int64 (n,), for sparse_categorical_crossentropy
    };

    QString label = {};        // the label column
    QStringList features = {}; // feature columns; empty: every numeric column but the label
    // False: an empty `features` means no numeric column (the encoded ones alone).
    bool numericByDefault = true;
    // Categorical columns that become features too, one-hot: a column per value
    // (categories()), after the numeric features; an empty value is all zeros.
    QStringList encoded = {};
    double testFraction = 0.2; // share of rows held out for testing, in (0, 1)
    std::uint64_t seed = 0;    // the split is a function of the seed and the labels
    bool stratified = true;    // keep each class's share in both parts
    bool standardize = true;   // scale features with statistics of the training rows
    Targets targets = Targets::OneHot;
};

// Arrays ready to bind in the worker, and what is needed to explain or reproduce them.
struct PreparedData {
    NdArray xTrain, yTrain, xTest, yTest; // x: float32 (n, features); y: as Targets says
    QStringList featureNames;
    QStringList classes;
    Split split;                              // dataset rows behind each array row
    std::optional<Standardizer> standardizer; // set when the features were standardized
};

// A table of named columns, each numeric (doubles) or categorical (strings), read from CSV
// with a header row. Copies are cheap: the data is shared and never changes. Rows are
// numbered from 0 in file order; lineOfRow() maps a row back to its line in the file.
class Dataset {
public:
    enum class ColumnType { Numeric, Categorical };

    Dataset(); // no rows, no columns

    // Fisher's iris data (scikit-learn's copy), compiled in as ":/qtkeras/data/iris.csv":
    // 150 rows; sepal_length, sepal_width, petal_length, petal_width (cm) and species.
    static Dataset iris();

    // Reads CSV text (UTF-8, with or without a byte-order mark, LF or CRLF line ends) whose
    // first line names the columns. Fields may be quoted ("a, b", "say ""hi"""); quoted
    // fields may span lines; spaces around unquoted fields are trimmed; blank lines are
    // skipped. A column is numeric when every non-empty value is a finite number in the C
    // locale ("1.5", "-2e3") and at least one value is present; otherwise categorical.
    // An empty value in a numeric column is an error unless options.dropRowsWithMissingValues.
    // Throws DatasetError naming the source, line and column of the problem.
    static Dataset fromCsv(const QString& path, const CsvOptions& options = {});
    // As above, from a device (opened read-only here if it is not open). `sourceName` names
    // it in messages; by default, a QFile's file name.
    static Dataset fromCsv(QIODevice& device, const CsvOptions& options = {},
                           const QString& sourceName = {});

    QString source() const;
    qint64 rowCount() const;
    int columnCount() const;
    QStringList columnNames() const;
    bool hasColumn(const QString& name) const;
    // The 1-based line in the source where a row begins.
    qint64 lineOfRow(qint64 row) const;
    // Rows dropped for missing values while reading.
    qint64 droppedRowCount() const;

    // Column access by name; throws DatasetError for an unknown name or the wrong type.
    ColumnType columnType(const QString& column) const;
    const std::vector<double>& numbers(const QString& column) const;
    const QStringList& texts(const QString& column) const;

    // The named numeric columns as float32, shape (rows, columns.size()).
    NdArray features(const QStringList& columns) const;
    // The column's values as class indices. Classes are sorted, so the encoding does not
    // depend on row order: numerically for a numeric column (named in shortest form: "2",
    // "0.5"), in QString::compare's case-sensitive order for a categorical one. An empty
    // label is an error.
    Labels labels(const QString& column) const;
    // A categorical column's distinct non-empty values, sorted as labels() sorts them.
    QStringList categories(const QString& column) const;
    // A categorical column one-hot: float32 (rows, categories().size()); an empty value is a
    // row of zeros.
    NdArray oneHotFeatures(const QString& column) const;

    // Features and targets, split into training and test parts, optionally standardized
    // with the training statistics. Throws DatasetError for unusable columns and
    // std::invalid_argument for a test fraction that leaves a part empty.
    PreparedData prepare(const PrepareOptions& options) const;

private:
    using Column = detail::DatasetColumn;
    using Data = detail::DatasetTable;
    const Column& column(const QString& name) const;

    std::shared_ptr<const Data> d; // immutable once read, so copies share it
};

// The rows `rows` of an array of one or more dimensions, in that order (numpy's a[rows]).
// Throws std::out_of_range for a row outside the array.
NdArray takeRows(const NdArray& array, const std::vector<std::int64_t>& rows);

// One-hot encoding of int32 or int64 class indices of shape (n,): float32 (n, classCount).
// Throws std::invalid_argument for an index outside [0, classCount).
NdArray oneHot(const NdArray& labels, int classCount);

// A random split of `rowCount` rows: nTest = llround(testFraction * rowCount) rows go to
// test. Throws std::invalid_argument unless both parts get at least one row.
//
// The algorithm is fixed, so a seed gives the same split on every platform and standard
// library: a std::mt19937_64 seeded with `seed` drives Fisher-Yates shuffles (for i from
// n-1 down to 1, swap a[i] with a[j]; j = r mod (i+1) for the first generator output r not
// below 2^64 mod (i+1), which makes j uniform). Unstratified: shuffle 0..n-1; the first
// nTest are the test rows, the rest the training rows.
Split trainTestSplit(std::int64_t rowCount, double testFraction, std::uint64_t seed);

// The same for class indices (int32 or int64, shape (n,)). Stratified: class c with n_c rows
// gets floor(nTest * n_c / n) test rows, and the rows still missing from nTest go one each
// to the classes with the largest remainders of that division (ties: the lower class);
// each class's rows, in row order, are shuffled and its first test rows taken; then the
// test and training lists are each shuffled once more. Classes are visited in index order,
// and every shuffle draws from the one generator.
Split trainTestSplit(const NdArray& labels, double testFraction, std::uint64_t seed,
                     bool stratified = true);

} // namespace qk::keras
