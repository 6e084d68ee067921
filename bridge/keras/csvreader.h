// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <string>
#include <utility>
#include <vector>

namespace qk::keras {

// Splits CSV bytes into records of UTF-8 fields, RFC 4180 style: fields may be quoted, with
// "" for a quote inside, and quoted fields may span lines. Line ends are LF or CRLF. Spaces
// and tabs around a field are trimmed unless quoted (and unless the tab is the separator).
// Blank lines are skipped. Errors are DatasetErrors that name the source, line and column.
class CsvReader {
public:
    CsvReader(QByteArray data, char separator, QString source);

    // Names used for columns in error messages, once the header is known.
    void setColumnNames(QStringList names) { m_columnNames = std::move(names); }

    // Reads the next record into `fields` (unquoted). Returns false at the end of the input.
    bool next(std::vector<std::string>& fields);
    // The line on which the record last read begins (1-based).
    qint64 recordLine() const { return m_recordLine; }

    // Throws a DatasetError at `line` and 1-based `column` (0: the whole line).
    [[noreturn]] void fail(qint64 line, int column, const QString& problem) const;

private:
    bool atLineEnd(qsizetype pos) const;
    void skipLineEnd();
    bool isBlank(char c) const { return (c == ' ' || c == '\t') && c != m_separator; }

    QByteArray m_data;
    char m_separator;
    QString m_source;
    QStringList m_columnNames;
    qsizetype m_pos = 0;
    qint64 m_line = 1;
    qint64 m_recordLine = 0;
};

} // namespace qk::keras
