// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLabel>

namespace qk::app {

// A line of status beside a builder's title: elided at the right when the header has less
// room than the text (the whole text is then its tool tip), so that it never runs into its
// neighbours or stops mid-word; an error is drawn in red.
class StatusLabel : public QLabel {
    Q_OBJECT
public:
    explicit StatusLabel(QWidget* parent = nullptr);

    // Shows `text`; `detail`, when given, is the tool tip (a failure's whole message).
    void setStatus(const QString& text, bool error = false, const QString& detail = {});
    // The status as set, whole (text() is what fits).
    const QString& status() const { return m_status; }
    bool isError() const { return m_error; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void fit();

    QString m_status;
    QString m_detail;
    bool m_error = false;
};

} // namespace qk::app
