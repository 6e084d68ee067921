#pragma once

#include "bridge/worker/workerprocess.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace qk::app {

class EnvironmentCheck;
struct EnvironmentReport;

// The worker's settings: Python interpreter and Keras backend, with a check of what the
// chosen interpreter has. Accepting it with changes restarts the worker (the caller does).
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const qk::WorkerOptions& current, QWidget* parent = nullptr);

    // The options as edited (other fields as given).
    qk::WorkerOptions options() const;
    bool changed() const;

    QLineEdit* pythonEdit() const { return m_python; }
    QComboBox* backendBox() const { return m_backend; }
    QPushButton* checkButton() const { return m_check; }
    QString reportText() const;
    EnvironmentCheck* environmentCheck() const { return m_checker; }

private:
    void checkEnvironment();
    void showReport(const EnvironmentReport& report);
    void browse();

    qk::WorkerOptions m_current;
    QLineEdit* m_python;
    QComboBox* m_backend;
    QPushButton* m_check;
    QPlainTextEdit* m_report;
    EnvironmentCheck* m_checker;
};

} // namespace qk::app
