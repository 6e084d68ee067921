// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/commanddetailview.h"

#include "inspectors/codeview.h"
#include "inspectors/commandmodel.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace qk::inspectors {

namespace {

QPlainTextEdit* monospaceText(QWidget* parent) {
    auto* edit = new QPlainTextEdit(parent);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return edit;
}

} // namespace

CommandDetailView::CommandDetailView(QWidget* parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_code(new CodeView(this))
    , m_tabs(new QTabWidget(this))
    , m_outcome(monospaceText(this))
    , m_bindings(monospaceText(this)) {
    m_header->setTextFormat(Qt::RichText);
    m_header->setWordWrap(true);
    m_tabs->addTab(m_outcome, tr("Result"));
    m_tabs->addTab(m_bindings, tr("Bindings"));
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_code);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    m_code->setMinimumHeight(40);
    // A narrow pane shows the whole command: long lines wrap (anywhere, since the worker's
    // variable names are long words) instead of scrolling sideways.
    m_code->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_code->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_tabs->setMinimumHeight(40);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_header);
    layout->addWidget(splitter, 1);
    clear();
}

void CommandDetailView::clear() {
    m_id.clear();
    m_header->setText(tr("<i>Select a command to see its code and result.</i>"));
    m_code->setCode({});
    m_outcome->clear();
    m_bindings->clear();
}

void CommandDetailView::showCommand(const CommandInfo& info,
                                    const std::optional<CommandFailure>& failure) {
    const bool sameCommand = m_id == info.id;
    m_id = info.id;
    m_header->setText(QStringLiteral("<b>%1</b> &nbsp;<span style=\"color:%2\">%3</span>")
                          .arg(info.id.toHtmlEscaped(),
                               CommandModel::stateColour(info.state).name(),
                               CommandModel::stateLabel(info.state)));
    if (!sameCommand || m_code->code() != info.shownCode())
        m_code->setCode(info.shownCode());
    m_code->markLine(failure ? failure->shownLine() : 0);

    QStringList bindings;
    for (int i = 0; i < info.bindingNames.size(); ++i)
        bindings << info.bindingNames[i] + QStringLiteral(" = ") + info.bindingPreviews.value(i);
    m_bindings->setPlainText(bindings.isEmpty() ? tr("(no bindings)")
                                                : bindings.join(QLatin1Char('\n')));
    m_tabs->setTabText(1, tr("Bindings (%1)").arg(bindings.size()));

    QString outcome;
    if (failure && info.state == CommandState::Replaced && info.finished.isValid() &&
        info.error.isEmpty()) {
        outcome = info.resultPreview + QStringLiteral("\n\n") +
                  tr("The replacement's result. The original code failed:") + QStringLiteral("\n") +
                  failure->traceback.trimmed();
        m_tabs->setTabText(0, tr("Result"));
    } else if (failure) {
        outcome = failure->traceback.trimmed();
        const QString last = failure->type + QStringLiteral(": ") + failure->message;
        if (!outcome.contains(failure->type))
            outcome += QLatin1Char('\n') + last;
        if (info.state != CommandState::Failed && !info.error.isEmpty())
            outcome +=
                QStringLiteral("\n\n") + stateName(info.state) + QStringLiteral(": ") + info.error;
        m_tabs->setTabText(0, tr("Traceback"));
    } else if (info.state == CommandState::Succeeded || info.state == CommandState::Replaced) {
        outcome = info.resultPreview;
        m_tabs->setTabText(0, tr("Result"));
    } else {
        outcome = info.error.isEmpty() ? tr("(no result yet)") : info.error;
        m_tabs->setTabText(0, tr("Result"));
    }
    m_outcome->setPlainText(outcome);
}

QString CommandDetailView::headline() const {
    return m_header->text();
}

QString CommandDetailView::bindingsText() const {
    return m_bindings->toPlainText();
}

QString CommandDetailView::outcomeText() const {
    return m_outcome->toPlainText();
}

} // namespace qk::inspectors
