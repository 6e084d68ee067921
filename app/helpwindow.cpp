// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/helpwindow.h"

#include "app/actionregistry.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFile>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTextFragment>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>
#include <vector>

namespace qk::app {

namespace {

const QString guidePath = QStringLiteral(":/qtkeras/help/USER_GUIDE.md");
constexpr int maxImageWidth = 760;

// Screenshots are drawn at the window's size; in the guide they fit its column.
void fitImages(QTextDocument* document) {
    QTextCursor cursor(document);
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            QTextImageFormat image = fragment.charFormat().toImageFormat();
            if (!image.isValid())
                continue;
            const QVariant resource =
                document->resource(QTextDocument::ImageResource, QUrl(image.name()));
            const int width = resource.value<QImage>().width();
            if (width <= maxImageWidth)
                continue;
            image.setWidth(maxImageWidth);
            cursor.setPosition(fragment.position());
            cursor.setPosition(fragment.position() + fragment.length(), QTextCursor::KeepAnchor);
            cursor.setCharFormat(image);
        }
    }
}

} // namespace

QString HelpWindow::shortcutsMarkdown(const ActionRegistry& actions) {
    std::vector<std::pair<QString, QString>> rows;
    for (const QString& id : actions.ids()) {
        const QAction* action = actions.action(id);
        if (!action || action->shortcut().isEmpty())
            continue;
        QString name = action->text();
        name.remove(QLatin1Char('&'));
        rows.emplace_back(name, action->shortcut().toString(QKeySequence::NativeText));
    }
    std::sort(rows.begin(), rows.end());
    QString table = tr("| action | keys |\n|---|---|\n");
    for (const auto& [name, keys] : rows)
        table += QStringLiteral("| %1 | %2 |\n").arg(name, keys);
    return table;
}

HelpWindow::HelpWindow(const ActionRegistry& actions, QWidget* parent)
    : QDialog(parent)
    , m_browser(new QTextBrowser(this)) {
    setObjectName(QStringLiteral("helpWindow"));
    setWindowTitle(tr("QtKeras User Guide"));
    QFile file(guidePath);
    QString guide = file.open(QIODevice::ReadOnly)
                        ? QString::fromUtf8(file.readAll())
                        : tr("# The user guide is missing\n\nThis copy of QtKeras was built "
                             "without `docs/USER_GUIDE.md`.");
    guide += QStringLiteral("\n\n## ") + tr("Shortcuts of this window") + QStringLiteral("\n\n") +
             shortcutsMarkdown(actions);
    m_browser->setOpenExternalLinks(true);
    m_browser->document()->setBaseUrl(QUrl(QStringLiteral("qrc:/qtkeras/help/")));
    m_browser->setSearchPaths({QStringLiteral(":/qtkeras/help")});
    m_browser->setMarkdown(guide);
    fitImages(m_browser->document());

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_browser, 1);
    layout->addWidget(buttons);
    resize(860, 720);
}

} // namespace qk::app
