// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/csvreader.h"

#include "bridge/keras/dataset.h"

#include <utility>

namespace qk::keras {

CsvReader::CsvReader(QByteArray data, char separator, QString source)
    : m_data(std::move(data))
    , m_separator(separator)
    , m_source(std::move(source)) {}

void CsvReader::fail(qint64 line, int column, const QString& problem) const {
    DatasetError::Location where{m_source, line, column, {}};
    if (column >= 1 && column <= m_columnNames.size())
        where.columnName = m_columnNames.at(column - 1);
    throw DatasetError(std::move(where), problem);
}

// Whether a line ends at `pos`: LF, CRLF, or a CR as the input's last byte.
bool CsvReader::atLineEnd(qsizetype pos) const {
    const qsizetype n = m_data.size();
    if (pos >= n)
        return false;
    if (m_data[pos] == '\n')
        return true;
    return m_data[pos] == '\r' && (pos + 1 == n || m_data[pos + 1] == '\n');
}

void CsvReader::skipLineEnd() {
    if (m_data[m_pos] == '\r')
        ++m_pos;
    if (m_pos < m_data.size() && m_data[m_pos] == '\n')
        ++m_pos;
    ++m_line;
}

bool CsvReader::next(std::vector<std::string>& fields) {
    const char* data = m_data.constData();
    const qsizetype n = m_data.size();

    // Skip blank lines.
    for (;;) {
        qsizetype p = m_pos;
        while (p < n && isBlank(data[p]))
            ++p;
        if (p >= n) {
            m_pos = n;
            return false;
        }
        if (!atLineEnd(p))
            break;
        m_pos = p;
        skipLineEnd();
    }

    m_recordLine = m_line;
    fields.clear();
    for (;;) {
        const int column = static_cast<int>(fields.size()) + 1;
        std::string& field = fields.emplace_back();
        while (m_pos < n && isBlank(data[m_pos]))
            ++m_pos;

        if (m_pos < n && data[m_pos] == '"') {
            const qint64 openedOn = m_line;
            ++m_pos;
            for (;;) {
                qsizetype start = m_pos;
                while (m_pos < n && data[m_pos] != '"') {
                    if (data[m_pos] == '\n')
                        ++m_line;
                    ++m_pos;
                }
                if (m_pos >= n)
                    fail(openedOn, column,
                         QStringLiteral("unterminated quoted field (the quote opened here "
                                        "is not closed before the end of the file)"));
                field.append(data + start, static_cast<std::size_t>(m_pos - start));
                ++m_pos; // the quote
                if (m_pos < n && data[m_pos] == '"') {
                    field.push_back('"');
                    ++m_pos;
                    continue;
                }
                break;
            }
            while (m_pos < n && isBlank(data[m_pos]))
                ++m_pos;
            if (m_pos < n && data[m_pos] != m_separator && !atLineEnd(m_pos))
                fail(m_line, column,
                     QStringLiteral("unexpected '%1' after the closing quote of a quoted field")
                         .arg(QChar::fromLatin1(data[m_pos])));
        } else {
            const qsizetype start = m_pos;
            while (m_pos < n && data[m_pos] != m_separator && data[m_pos] != '\n')
                ++m_pos;
            qsizetype end = m_pos;
            if (end > start && data[end - 1] == '\r' && (end == n || data[end] == '\n'))
                --end;
            while (end > start && isBlank(data[end - 1]))
                --end;
            field.assign(data + start, static_cast<std::size_t>(end - start));
            if (m_pos < n && data[m_pos] == '\n' && m_pos > start && data[m_pos - 1] == '\r')
                --m_pos; // let skipLineEnd() see the CRLF
        }

        if (m_pos >= n)
            return true;
        if (data[m_pos] == m_separator) {
            ++m_pos;
            continue;
        }
        skipLineEnd();
        return true;
    }
}

} // namespace qk::keras
