// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace qk::app {

class MainWindow;
class SessionHost;

// `qtkeras --import FILE.keras [--export-script OUT.py] [--screenshot OUT.png]`: once the
// worker is ready, imports the model into the window (as File > Import does), then exports
// the script (as File > Export Python Script does) and writes a picture of the laid-out
// graph; finished() says whether every step worked, and why not.
class ImportTask : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString model;
        QString script;
        QString screenshot;
        bool withWeights = true; // the script loads the file's weights
    };
    ImportTask(SessionHost& host, MainWindow& window, Options options);

    void start();

Q_SIGNALS:
    void finished(bool ok, const QString& message);

private:
    void imported();
    void screenshot();

    SessionHost& m_host;
    MainWindow& m_window;
    Options m_options;
    QStringList m_done;
    bool m_shot = false;
};

} // namespace qk::app
