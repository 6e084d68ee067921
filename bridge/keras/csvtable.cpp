// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/csvtable.h"

#include "bridge/keras/csvreader.h"

#include <QHash>
#include <QIODevice>

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace qk::keras::detail {

namespace {

// A finite number in the C locale's syntax ("1", "-2.5", "+3e-2", ".5"), or nothing.
std::optional<double> parseNumber(std::string_view text) {
    if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+')
        text.remove_prefix(1);
    if (text.empty())
        return std::nullopt;
    double value = 0;
    const char* const first = text.data();
    const char* const end = first + text.size();
    const auto [ptr, ec] = std::from_chars(first, end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value))
        return std::nullopt;
    return value;
}

QString fromUtf8(const std::string& text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// The 1-based line of the first byte that is not UTF-8, or 0 when all of `data` is.
qint64 firstInvalidUtf8Line(const QByteArray& data) {
    if (data.isValidUtf8())
        return 0;
    qint64 line = 1;
    for (QByteArrayView rest(data); !rest.isEmpty(); ++line) {
        const qsizetype end = rest.indexOf('\n');
        if (end < 0 || !rest.first(end).isValidUtf8())
            return line;
        rest = rest.sliced(end + 1);
    }
    return line;
}

QString raggedRow(int fields, int columns) {
    return QStringLiteral("the row has %1 %2, but the header names %3 columns")
        .arg(fields)
        .arg(fields == 1 ? QStringLiteral("field") : QStringLiteral("fields"))
        .arg(columns);
}

void checkSeparator(char sep, const QString& source) {
    if (sep == '"' || sep == ' ' || sep == '\r' || sep == '\n' || sep == '\0' ||
        static_cast<unsigned char>(sep) > 127)
        throw DatasetError({source, 0, 0, {}},
                           QStringLiteral("the separator must be an ASCII character other than "
                                          "a quote, a space or a line end"));
}

// All of the device's bytes, without a byte-order mark; they must be UTF-8.
QByteArray readUtf8(QIODevice& device, const QString& source) {
    if (!device.isOpen() && !device.open(QIODevice::ReadOnly))
        throw DatasetError({source, 0, 0, {}},
                           QStringLiteral("cannot open: %1").arg(device.errorString()));
    if (!device.isReadable())
        throw DatasetError({source, 0, 0, {}},
                           QStringLiteral("cannot read: the device is not open for reading"));
    QByteArray bytes = device.readAll();
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    if (const qint64 line = firstInvalidUtf8Line(bytes))
        throw DatasetError({source, line, 0, {}}, QStringLiteral("the text is not valid UTF-8"));
    return bytes;
}

// The column names: distinct, not empty, not all numbers, and including every column that
// options.numericColumns lists.
QStringList readHeader(CsvReader& reader, const CsvOptions& options, const QString& source) {
    std::vector<std::string> fields;
    if (!reader.next(fields))
        throw DatasetError({source, 0, 0, {}},
                           QStringLiteral("the file is empty; expected a header row"));
    const qint64 line = reader.recordLine();
    QStringList names;
    QHash<QString, int> indexOf;
    bool allNumbers = true;
    for (int c = 0; c < static_cast<int>(fields.size()); ++c) {
        const std::string& raw = fields[static_cast<std::size_t>(c)];
        const QString name = fromUtf8(raw);
        if (name.isEmpty())
            throw DatasetError({source, line, c + 1, {}},
                               QStringLiteral("the header has an empty column name"));
        if (const auto it = indexOf.constFind(name); it != indexOf.cend())
            throw DatasetError({source, line, c + 1, name},
                               QStringLiteral("duplicate column name %1 (also column %2)")
                                   .arg(inQuotes(name))
                                   .arg(it.value() + 1));
        allNumbers = allNumbers && parseNumber(raw).has_value();
        indexOf.insert(name, c);
        names.append(name);
    }
    if (allNumbers)
        throw DatasetError({source, line, 0, {}},
                           QStringLiteral("no header row: the first line holds numbers (%1), "
                                          "but it must name the columns")
                               .arg(inQuotes(names.join(QLatin1Char(options.separator)))));
    reader.setColumnNames(names);
    for (const QString& name : options.numericColumns) {
        if (!indexOf.contains(name))
            throw DatasetError({source, 0, 0, name},
                               QStringLiteral("no such column among %1 (it is listed as numeric)")
                                   .arg(names.join(QStringLiteral(", "))));
    }
    return names;
}

// The rows after the header, as text, column by column.
struct TextRows {
    std::vector<std::vector<std::string>> columns;
    std::vector<qint64> lines; // the line each row begins on
};

TextRows readRows(CsvReader& reader, int width) {
    TextRows rows;
    rows.columns.resize(static_cast<std::size_t>(width));
    std::vector<std::string> fields;
    while (reader.next(fields)) {
        const int count = static_cast<int>(fields.size());
        if (count < width)
            reader.fail(reader.recordLine(), count + 1, raggedRow(count, width));
        if (count > width)
            reader.fail(reader.recordLine(), width + 1, raggedRow(count, width));
        for (int c = 0; c < width; ++c)
            rows.columns[static_cast<std::size_t>(c)].push_back(
                std::move(fields[static_cast<std::size_t>(c)]));
        rows.lines.push_back(reader.recordLine());
    }
    return rows;
}

// A column with its type and values, and for a numeric column the rows it misses.
struct TypedColumn {
    DatasetColumn column;
    std::vector<std::size_t> missing;
};

// Numeric when every non-empty value is a number and one is present, or when `forced` (then
// a value that is not a number is an error); else categorical. Takes the values.
TypedColumn typeColumn(std::vector<std::string>&& values, const QString& name, int index,
                       bool forced, const TextRows& rows, const QString& source) {
    const std::size_t count = values.size();
    TypedColumn typed;
    DatasetColumn& column = typed.column;
    column.name = name;
    column.index = index;
    std::vector<double> numbers(count, 0.0);
    bool numeric = false;
    for (std::size_t r = 0; r < count; ++r) {
        if (values[r].empty()) {
            typed.missing.push_back(r);
            continue;
        }
        const std::optional<double> v = parseNumber(values[r]);
        if (!v) {
            if (forced)
                throw DatasetError({source, rows.lines[r], index, name},
                                   QStringLiteral("%1 is not a number, and the column is numeric")
                                       .arg(inQuotes(fromUtf8(values[r]))));
            column.firstTextRow = static_cast<qint64>(r);
            numeric = false;
            break; // categorical
        }
        numbers[r] = *v;
        numeric = true;
    }
    if (forced)
        numeric = true; // (its values are all numbers or missing, or it threw above)
    if (numeric) {
        column.type = Dataset::ColumnType::Numeric;
        column.numbers = std::move(numbers);
    } else {
        typed.missing.clear();
        column.type = Dataset::ColumnType::Categorical;
        column.texts.reserve(static_cast<qsizetype>(count));
        for (const std::string& v : values)
            column.texts.append(fromUtf8(v));
    }
    values = {};
    return typed;
}

// Removes the rows marked in `drop` from every column and from the lines, and finds each
// categorical column's first text again.
void dropRows(DatasetTable& table, const std::vector<bool>& drop) {
    const std::size_t rows = drop.size();
    for (DatasetColumn& column : table.columns) {
        std::size_t kept = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            if (drop[r])
                continue;
            if (column.type == Dataset::ColumnType::Numeric)
                column.numbers[kept] = column.numbers[r];
            else
                column.texts[static_cast<qsizetype>(kept)] =
                    column.texts.at(static_cast<qsizetype>(r));
            ++kept;
        }
        if (column.type == Dataset::ColumnType::Numeric) {
            column.numbers.resize(kept);
        } else {
            column.texts.resize(static_cast<qsizetype>(kept));
            column.firstTextRow = -1;
            for (std::size_t r = 0; r < kept; ++r) {
                const QString& text = column.texts.at(static_cast<qsizetype>(r));
                if (!text.isEmpty() && !parseNumber(text.toStdString())) {
                    column.firstTextRow = static_cast<qint64>(r);
                    break;
                }
            }
        }
    }
    std::size_t kept = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        if (!drop[r])
            table.lines[kept++] = table.lines[r];
    }
    table.dropped = static_cast<qint64>(rows - kept);
    table.lines.resize(kept);
}

} // namespace

QString inQuotes(const QString& value) {
    constexpr qsizetype kMax = 40;
    if (value.size() <= kMax)
        return QLatin1Char('\'') + value + QLatin1Char('\'');
    return QLatin1Char('\'') + value.left(kMax) + QStringLiteral("...'");
}

DatasetTable readCsvTable(QIODevice& device, const CsvOptions& options, const QString& source) {
    checkSeparator(options.separator, source);
    CsvReader reader(readUtf8(device, source), options.separator, source);
    const QStringList names = readHeader(reader, options, source);
    TextRows rows = readRows(reader, static_cast<int>(names.size()));

    DatasetTable table;
    table.source = source;
    std::vector<bool> drop(rows.lines.size(), false);
    std::optional<std::pair<std::size_t, int>> firstMissing; // (row, column)
    for (int c = 0; c < static_cast<int>(names.size()); ++c) {
        const QString& name = names.at(c);
        TypedColumn typed = typeColumn(std::move(rows.columns[static_cast<std::size_t>(c)]), name,
                                       c + 1, options.numericColumns.contains(name), rows, source);
        for (std::size_t r : typed.missing) {
            drop[r] = true;
            if (!firstMissing || r < firstMissing->first)
                firstMissing = std::pair{r, c};
        }
        table.columns.push_back(std::move(typed.column));
    }
    if (firstMissing && !options.dropRowsWithMissingValues) {
        const DatasetColumn& column = table.columns[static_cast<std::size_t>(firstMissing->second)];
        throw DatasetError({source, rows.lines[firstMissing->first], column.index, column.name},
                           QStringLiteral("missing value in a numeric column (row %1; set "
                                          "dropRowsWithMissingValues to drop such rows)")
                               .arg(firstMissing->first));
    }
    table.lines = std::move(rows.lines);
    if (firstMissing)
        dropRows(table, drop);
    return table;
}

} // namespace qk::keras::detail
