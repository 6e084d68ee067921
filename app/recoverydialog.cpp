// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/recoverydialog.h"

#include "app/projectactions.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace qk::app {

namespace {

QString projectText(const RecoveryFile& file) {
    if (!file.isReadable())
        return QObject::tr("(cannot be read)");
    return file.info.originalPath.isEmpty() ? QObject::tr("Untitled (never saved)")
                                            : QDir::toNativeSeparators(file.info.originalPath);
}

} // namespace

RecoveryDialog::RecoveryDialog(std::vector<RecoveryFile> files, ProjectActions& project,
                               QWidget* parent)
    : QDialog(parent)
    , m_files(std::move(files))
    , m_project(project)
    , m_list(new QTreeWidget(this))
    , m_message(new QLabel(this)) {
    setObjectName(QStringLiteral("recoveryDialog"));
    setWindowTitle(tr("Recover Unsaved Projects"));
    auto* intro = new QLabel(tr("QtKeras did not close normally. These projects had unsaved "
                                "changes, written automatically:"),
                             this);
    intro->setWordWrap(true);
    m_list->setColumnCount(2);
    m_list->setHeaderLabels({tr("Written"), tr("Project")});
    m_list->setRootIsDecorated(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* buttons = new QDialogButtonBox(this);
    m_restore = buttons->addButton(tr("&Restore"), QDialogButtonBox::AcceptRole);
    m_discard = buttons->addButton(tr("&Discard"), QDialogButtonBox::DestructiveRole);
    m_later = buttons->addButton(tr("&Later"), QDialogButtonBox::RejectRole);
    m_restore->setDefault(true);
    connect(m_restore, &QPushButton::clicked, this, &RecoveryDialog::restoreSelected);
    connect(m_discard, &QPushButton::clicked, this, &RecoveryDialog::discardSelected);
    connect(m_later, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &RecoveryDialog::updateSelection);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    resize(640, 320);
    fill();
}

QString RecoveryDialog::message() const {
    return m_message->text();
}

void RecoveryDialog::fill() {
    m_list->clear();
    const QLocale locale;
    for (const RecoveryFile& file : m_files) {
        auto* item = new QTreeWidgetItem(
            m_list, {locale.toString(file.info.savedAt.toLocalTime(), QLocale::ShortFormat),
                     projectText(file)});
        if (!file.isReadable())
            item->setForeground(1, palette().brush(QPalette::Disabled, QPalette::Text));
    }
    if (!m_files.empty())
        m_list->setCurrentItem(m_list->topLevelItem(0));
    updateSelection();
}

int RecoveryDialog::selectedRow() const {
    return m_list->currentItem() ? m_list->indexOfTopLevelItem(m_list->currentItem()) : -1;
}

void RecoveryDialog::updateSelection() {
    const int row = selectedRow();
    m_discard->setEnabled(row >= 0);
    m_restore->setEnabled(row >= 0 && m_files[static_cast<size_t>(row)].isReadable());
    if (row < 0) {
        m_message->clear();
        return;
    }
    const RecoveryFile& file = m_files[static_cast<size_t>(row)];
    const QString where = QDir::toNativeSeparators(file.path);
    m_message->setText(file.isReadable()
                           ? tr("Recovery file: %1").arg(where)
                           : tr("This recovery file cannot be read: %1\nIt is kept at %2.")
                                 .arg(file.error, where));
}

void RecoveryDialog::restoreSelected() {
    const int row = selectedRow();
    if (row < 0)
        return;
    QString error;
    if (!m_project.restore(m_files[static_cast<size_t>(row)], &error)) {
        m_message->setText(error);
        return;
    }
    accept();
}

void RecoveryDialog::discardSelected() {
    const int row = selectedRow();
    if (row < 0)
        return;
    QString error;
    if (!Autosave::remove(m_files[static_cast<size_t>(row)], &error)) {
        m_message->setText(error);
        return;
    }
    m_files.erase(m_files.begin() + row);
    if (m_files.empty()) {
        accept();
        return;
    }
    fill();
}

} // namespace qk::app
