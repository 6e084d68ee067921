// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerprocess.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace qk::app {

class BackendEnvironment;
class EnvironmentCheck;
struct EnvironmentReport;

// The worker's settings: its host, Python interpreter and Keras backend, with a check of what the
// chosen interpreter has; and how often unsaved projects are autosaved. Accepting it with a
// changed interpreter or backend restarts the worker (the caller does).
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const qk::WorkerOptions& current, QWidget* parent = nullptr);

    // The options as edited (other fields as given).
    qk::WorkerOptions options() const;
    bool changed() const;
    // Seconds between autosaves of unsaved changes; 0: off.
    int autosaveSeconds() const;

    QLineEdit* hostEdit() const { return m_host; }
    QLineEdit* pythonEdit() const { return m_python; }
    QComboBox* backendBox() const { return m_backend; }
    QPushButton* checkButton() const { return m_check; }
    // Makes the chosen backend's own environment (TensorFlow, PyTorch) and selects it.
    QPushButton* createButton() const { return m_create; }
    QSpinBox* autosaveBox() const { return m_autosave; }
    QString reportText() const;
    EnvironmentCheck* environmentCheck() const { return m_checker; }

private:
    void checkEnvironment();
    void backendChosen(const QString& backend);
    void createEnvironment();
    void showReport(const EnvironmentReport& report);
    void browse();

    qk::WorkerOptions m_current;
    QLineEdit* m_host;
    QLineEdit* m_python;
    QComboBox* m_backend;
    QSpinBox* m_autosave;
    QPushButton* m_check;
    QPushButton* m_create;
    QPlainTextEdit* m_report;
    EnvironmentCheck* m_checker;
    BackendEnvironment* m_environments;
};

} // namespace qk::app
