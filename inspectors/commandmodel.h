// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QAbstractTableModel>
#include <QHash>

#include <optional>
#include <vector>

class QIcon;
class QTimer;

namespace qk::inspectors {

// Every command of a session, one row per command id in submission order, updated in place
// as the session reports changes (SessionEvents::commandChanged and commandFailed). Changes
// are coalesced on a short timer and reported as one row insertion and one dataChanged range
// per batch, so thousands of commands a second keep the view responsive.
class CommandModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IdColumn, StateColumn, CodeColumn, BindingsColumn, DurationColumn, ResultColumn };
    Q_ENUM(Column)
    static constexpr int ColumnCount = ResultColumn + 1;

    enum Role {
        StateRole = Qt::UserRole + 1, // int (qk::CommandState)
        IdRole,                       // QString
        FinishedRole,                 // bool: the command settled for good
    };

    explicit CommandModel(QObject* parent = nullptr);
    ~CommandModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Records a command's new snapshot (shown after the next flush).
    void apply(const qk::CommandInfo& info);
    // Records what the worker reported about a failed command.
    void applyFailure(const qk::CommandFailure& failure);
    // Shows every recorded change now.
    void flush();
    // Removes the commands that settled for good; open ones stay.
    void clearFinished();
    // Removes every command (a new session starts).
    void clear();

    const qk::CommandInfo& info(int row) const { return m_rows.at(row).info; }
    std::optional<qk::CommandFailure> failure(int row) const;
    int rowOf(const QString& id) const;
    // Commands not yet finished (pending, queued, running, or failed awaiting a decision).
    int openCount() const { return m_openCount; }

    static QString stateLabel(qk::CommandState state);
    static QColor stateColour(qk::CommandState state);
    static QIcon stateIcon(qk::CommandState state);
    static bool isSettled(const qk::CommandInfo& info) { return info.finished.isValid(); }

Q_SIGNALS:
    void openCountChanged(int open);

private:
    struct Row {
        qk::CommandInfo info;
        std::optional<qk::CommandFailure> failure;
    };

    void scheduleFlush();
    void refreshDurations();
    void recountOpen();
    QVariant display(const Row& row, int column) const;

    std::vector<Row> m_rows;
    QHash<QString, int> m_index; // id -> row in m_rows
    std::vector<Row> m_incoming; // new commands not yet inserted
    QHash<QString, int> m_incomingIndex;
    int m_dirtyFirst = -1;
    int m_dirtyLast = -1;
    int m_openCount = 0;
    QTimer* m_flushTimer;
    QTimer* m_clockTimer;
};

} // namespace qk::inspectors
