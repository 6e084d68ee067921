// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QProcess>

namespace qk::app {

// The Python environment of its own that each Keras backend gets from qtkeras-setup-python
// (JAX's is the default one; TensorFlow's and PyTorch's have pinned requirements of their
// own): where it is, whether it is there, and making it.
class BackendEnvironment : public QObject {
    Q_OBJECT
public:
    explicit BackendEnvironment(QObject* parent = nullptr);
    ~BackendEnvironment() override;

    // qtkeras-setup-python: beside an installed program, else in the source tree's packaging/.
    static QString setupScript();
    // Where the backend's environment is: for an installed program the user's data folder
    // (venv, venv-tensorflow, venv-torch), else the source tree (.venv, .venv-tensorflow...).
    static QString location(const QString& backend);
    static QString interpreter(const QString& backend);
    static bool exists(const QString& backend);

    // Makes the backend's environment (downloads from PyPI; minutes). output() carries the
    // script's lines, finished() the outcome.
    void create(const QString& backend);
    bool isRunning() const { return m_process != nullptr; }

Q_SIGNALS:
    void output(const QString& line);
    void finished(bool ok, const QString& message);

private:
    QPointer<QProcess> m_process;
    QString m_backend;
};

} // namespace qk::app
