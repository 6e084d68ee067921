// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/autosave.h"

#include <QDialog>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace qk::app {

class ProjectActions;

// Offers the recovery files of windows that did not close (a crash, a kill): each with the
// time it was written and the project's file. Restore opens the selected one in the window
// (modified, under its original file name); Discard deletes it; Later keeps every file for the
// next start. A file that cannot be read says why and where it is kept.
class RecoveryDialog : public QDialog {
    Q_OBJECT
public:
    RecoveryDialog(std::vector<RecoveryFile> files, ProjectActions& project, QWidget* parent);

    QTreeWidget* list() const { return m_list; }
    QPushButton* restoreButton() const { return m_restore; }
    QPushButton* discardButton() const { return m_discard; }
    QPushButton* laterButton() const { return m_later; }
    // The message under the list: the selected file's details, or why an action failed.
    QString message() const;

private:
    void fill();
    void updateSelection();
    void restoreSelected();
    void discardSelected();
    int selectedRow() const;

    std::vector<RecoveryFile> m_files;
    ProjectActions& m_project;
    QTreeWidget* m_list;
    QLabel* m_message;
    QPushButton* m_restore;
    QPushButton* m_discard;
    QPushButton* m_later;
};

} // namespace qk::app
