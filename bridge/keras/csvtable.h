// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to bridge/keras: what a Dataset holds, and how Dataset::fromCsv reads it.

#include "bridge/keras/dataset.h"

#include <QString>
#include <QStringList>

#include <vector>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace qk::keras::detail {

struct DatasetColumn {
    QString name;
    int index = 0; // 1-based, as in messages
    Dataset::ColumnType type = Dataset::ColumnType::Categorical;
    std::vector<double> numbers;
    QStringList texts;
    qint64 firstTextRow = -1; // for a categorical column: the first row that is not a number
};

struct DatasetTable {
    QString source;
    std::vector<DatasetColumn> columns;
    std::vector<qint64> lines; // the line each row begins on
    qint64 dropped = 0;
};

// Reads a table from CSV as Dataset::fromCsv describes: the text, the header, the rows as
// text, each column's type and values, then the rows with missing numbers dropped (or the
// first one reported). `source` names the device in messages. Throws DatasetError.
DatasetTable readCsvTable(QIODevice& device, const CsvOptions& options, const QString& source);

// A value quoted for a message, shortened when long.
QString inQuotes(const QString& value);

} // namespace qk::keras::detail
