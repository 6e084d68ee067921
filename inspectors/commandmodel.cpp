// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/commandmodel.h"

#include "inspectors/terminaltext.h"
#include "inspectors/theme.h"

#include <QColor>
#include <QGuiApplication>
#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <QTimer>

#include <algorithm>

namespace qk::inspectors {

namespace {

constexpr int flushIntervalMs = 40;
constexpr int clockIntervalMs = 500;

// The line that says what a command does: the first one that is not an import (generated
// commands start with theirs), with " …" when there is more.
QString firstLine(const QString& code) {
    QStringList lines;
    for (const QString& line : code.split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            lines << line.trimmed();
    }
    if (lines.isEmpty())
        return {};
    const auto isImport = [](const QString& line) {
        return line.startsWith(QLatin1String("import ")) || line.startsWith(QLatin1String("from "));
    };
    const auto it = std::find_if_not(lines.cbegin(), lines.cend(), isImport);
    const QString shown = it == lines.cend() ? lines.front() : *it;
    return lines.size() == 1 ? shown : shown + QStringLiteral(" …");
}

QString formatDuration(qint64 ms) {
    if (ms < 1)
        return QStringLiteral("<1 ms");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60000)
        return QStringLiteral("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 2);
    return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms % 60000) / 1000);
}

} // namespace

CommandModel::CommandModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_flushTimer(new QTimer(this))
    , m_clockTimer(new QTimer(this)) {
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(flushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &CommandModel::flush);
    m_clockTimer->setInterval(clockIntervalMs);
    connect(m_clockTimer, &QTimer::timeout, this, &CommandModel::refreshDurations);
}

CommandModel::~CommandModel() = default;

int CommandModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CommandModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString CommandModel::stateLabel(CommandState state) {
    return stateName(state);
}

QColor CommandModel::stateColour(CommandState state) {
    switch (state) {
    case CommandState::Pending:
        return QColor(0x8a, 0x8a, 0x8a);
    case CommandState::Queued:
        return QColor(0x4a, 0x6f, 0xa5);
    case CommandState::Running:
        return QColor(0x1e, 0x88, 0xe5);
    case CommandState::Succeeded:
        return QColor(0x2e, 0x7d, 0x32);
    case CommandState::Failed:
        return QColor(0xc6, 0x28, 0x28);
    case CommandState::Ignored:
        return QColor(0xef, 0x8a, 0x00);
    case CommandState::Replaced:
        return QColor(0x8e, 0x24, 0xaa);
    case CommandState::Dropped:
        return QColor(0x79, 0x55, 0x48);
    case CommandState::Cancelled:
        return QColor(0x54, 0x54, 0x54);
    }
    return {};
}

QIcon CommandModel::stateIcon(CommandState state) {
    static QHash<int, QIcon> icons;
    const int key = static_cast<int>(state);
    if (!icons.contains(key)) {
        QPixmap dot(12, 12);
        dot.fill(Qt::transparent);
        QPainter painter(&dot);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(stateColour(state));
        painter.drawEllipse(QRectF(1, 1, 10, 10));
        icons.insert(key, QIcon(dot));
    }
    return icons.value(key);
}

QVariant CommandModel::display(const Row& row, int column) const {
    const CommandInfo& info = row.info;
    switch (column) {
    case IdColumn:
        return info.id;
    case StateColumn:
        return stateLabel(info.state);
    case CodeColumn:
        return firstLine(info.shownCode());
    case BindingsColumn:
        return info.bindingNames.join(QStringLiteral(", "));
    case DurationColumn: {
        if (!info.started.isValid())
            return QString();
        // How long the code ran; the time a failure waited for a decision is counted apart.
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime end = info.failed.isValid()     ? info.failed
                              : info.finished.isValid() ? info.finished
                                                        : now;
        QString text = formatDuration(info.started.msecsTo(end));
        if (info.failed.isValid())
            text += tr(" · waited %1")
                        .arg(formatDuration(
                            info.failed.msecsTo(info.finished.isValid() ? info.finished : now)));
        return text;
    }
    case ResultColumn:
        // A value's text or an error message may hold terminal codes: shown plain.
        return TerminalText::strip(info.state == CommandState::Succeeded ? info.resultPreview
                                                                         : info.error);
    default: // not a column
        return {};
    }
}

QVariant CommandModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == DurationColumn && row.info.failed.isValid())
            return tr("Ran %1, then waited %2 for a decision about its error")
                .arg(formatDuration(row.info.started.msecsTo(row.info.failed)),
                     formatDuration(row.info.failed.msecsTo(
                         row.info.finished.isValid() ? row.info.finished
                                                     : QDateTime::currentDateTimeUtc())));
        if (index.column() == CodeColumn)
            return row.info.shownCode().left(2000);
        if (index.column() == BindingsColumn) {
            QStringList lines;
            for (int i = 0; i < row.info.bindingNames.size(); ++i)
                lines << row.info.bindingNames[i] + QStringLiteral(" = ") +
                             row.info.bindingPreviews.value(i);
            return lines.join(QLatin1Char('\n'));
        }
        return display(row, index.column());
    case Qt::ForegroundRole:
        if (index.column() == StateColumn)
            return readable(stateColour(row.info.state), QGuiApplication::palette());
        return {};
    case Qt::DecorationRole:
        if (index.column() == StateColumn)
            return stateIcon(row.info.state);
        return {};
    case StateRole:
        return static_cast<int>(row.info.state);
    case IdRole:
        return row.info.id;
    case FinishedRole:
        return isSettled(row.info);
    default:
        return {};
    }
}

QVariant CommandModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case StateColumn:
        return tr("State");
    case CodeColumn:
        return tr("Code");
    case BindingsColumn:
        return tr("Bindings");
    case DurationColumn:
        return tr("Duration");
    case ResultColumn:
        return tr("Result");
    default: // not a column
        return {};
    }
}

void CommandModel::apply(const CommandInfo& info) {
    if (const auto it = m_index.constFind(info.id); it != m_index.cend()) {
        Row& row = m_rows[static_cast<std::size_t>(*it)];
        if (!isSettled(row.info) && isSettled(info))
            --m_openCount;
        row.info = info;
        m_dirtyFirst = m_dirtyFirst < 0 ? *it : qMin(m_dirtyFirst, *it);
        m_dirtyLast = qMax(m_dirtyLast, *it);
    } else if (const auto in = m_incomingIndex.constFind(info.id); in != m_incomingIndex.cend()) {
        Row& row = m_incoming[static_cast<std::size_t>(*in)];
        if (!isSettled(row.info) && isSettled(info))
            --m_openCount;
        row.info = info;
    } else {
        m_incomingIndex.insert(info.id, static_cast<int>(m_incoming.size()));
        m_incoming.push_back({info, std::nullopt});
        if (!isSettled(info))
            ++m_openCount;
    }
    scheduleFlush();
}

void CommandModel::applyFailure(const CommandFailure& failure) {
    if (const auto it = m_index.constFind(failure.id); it != m_index.cend()) {
        m_rows[static_cast<std::size_t>(*it)].failure = failure;
        m_dirtyFirst = m_dirtyFirst < 0 ? *it : qMin(m_dirtyFirst, *it);
        m_dirtyLast = qMax(m_dirtyLast, *it);
        scheduleFlush();
    } else if (const auto in = m_incomingIndex.constFind(failure.id);
               in != m_incomingIndex.cend()) {
        m_incoming[static_cast<std::size_t>(*in)].failure = failure;
    }
}

void CommandModel::scheduleFlush() {
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void CommandModel::flush() {
    m_flushTimer->stop();
    if (m_dirtyFirst >= 0) {
        const int first = m_dirtyFirst;
        const int last = m_dirtyLast;
        m_dirtyFirst = m_dirtyLast = -1;
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
    if (!m_incoming.empty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(m_incoming.size()) - 1);
        for (Row& row : m_incoming) {
            m_index.insert(row.info.id, static_cast<int>(m_rows.size()));
            m_rows.push_back(std::move(row));
        }
        m_incoming.clear();
        m_incomingIndex.clear();
        endInsertRows();
    }
    if (m_openCount > 0 && !m_clockTimer->isActive())
        m_clockTimer->start();
    else if (m_openCount == 0)
        m_clockTimer->stop();
    Q_EMIT openCountChanged(m_openCount);
}

void CommandModel::refreshDurations() {
    int first = -1;
    int last = -1;
    for (int i = 0; i < static_cast<int>(m_rows.size()); ++i) {
        // Running ones, and failed ones waiting for a decision.
        const CommandState state = m_rows[static_cast<std::size_t>(i)].info.state;
        if (state == CommandState::Running || state == CommandState::Failed) {
            first = first < 0 ? i : first;
            last = i;
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, DurationColumn), index(last, DurationColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

std::optional<CommandFailure> CommandModel::failure(int row) const {
    return m_rows.at(static_cast<std::size_t>(row)).failure;
}

int CommandModel::rowOf(const QString& id) const {
    return m_index.value(id, -1);
}

void CommandModel::clearFinished() {
    flush();
    // Remove runs of settled rows from the end so that earlier row numbers stay valid.
    int row = static_cast<int>(m_rows.size()) - 1;
    while (row >= 0) {
        if (!isSettled(m_rows[static_cast<std::size_t>(row)].info)) {
            --row;
            continue;
        }
        const int last = row;
        while (row >= 0 && isSettled(m_rows[static_cast<std::size_t>(row)].info))
            --row;
        const int first = row + 1;
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
    }
    m_index.clear();
    for (int i = 0; i < static_cast<int>(m_rows.size()); ++i)
        m_index.insert(m_rows[static_cast<std::size_t>(i)].info.id, i);
}

void CommandModel::clear() {
    m_flushTimer->stop();
    m_clockTimer->stop();
    beginResetModel();
    m_rows.clear();
    m_index.clear();
    m_incoming.clear();
    m_incomingIndex.clear();
    m_dirtyFirst = m_dirtyLast = -1;
    m_openCount = 0;
    endResetModel();
    Q_EMIT openCountChanged(0);
}

} // namespace qk::inspectors
