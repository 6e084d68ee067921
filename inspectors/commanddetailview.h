// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QWidget>

#include <optional>

class QLabel;
class QPlainTextEdit;
class QTabWidget;

namespace qk::inspectors {

class CodeView;

// One command in full: its code (highlighted, the failing line marked), its bindings, and
// its result or traceback.
class CommandDetailView : public QWidget {
    Q_OBJECT
public:
    explicit CommandDetailView(QWidget* parent = nullptr);

    void showCommand(const qk::CommandInfo& info,
                     const std::optional<qk::CommandFailure>& failure = std::nullopt);
    void clear();

    QString shownId() const { return m_id; }
    CodeView* codeView() const { return m_code; }
    QString headline() const;
    QString bindingsText() const;
    QString outcomeText() const;

private:
    QString m_id;
    QLabel* m_header;
    CodeView* m_code;
    QTabWidget* m_tabs;
    QPlainTextEdit* m_outcome;
    QPlainTextEdit* m_bindings;
};

} // namespace qk::inspectors
