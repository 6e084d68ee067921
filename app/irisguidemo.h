// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>

class QMainWindow;

namespace qk::app {

class Document;
class SessionHost;
class Workspace;

// `qtkeras --demo iris` in the window: the paper's iris network in the builder, iris data,
// Adam with a learning rate of 0.01 and 100 epochs with a fifth of the training rows held
// out for validation, trained with live charts, then scored on the test rows (shown in the
// status bar). With a screenshot file, the window is written once that is done.
class IrisGuiDemo : public QObject {
    Q_OBJECT
public:
    static constexpr int Epochs = 100;

    // `window` shows the score in its status bar and is the screenshot.
    IrisGuiDemo(SessionHost& host, Document& document, Workspace& workspace, QMainWindow& window,
                QString screenshotFile);

    void start();
    // The accuracy on the test rows once scored; negative before.
    double testAccuracy() const { return m_testAccuracy; }

Q_SIGNALS:
    void finished(bool ok);

private:
    void fillAndTrain();
    void trainWhenChecked();
    void train();
    void onTrained(bool ok, const QString& message);
    void onScored(double accuracy, double loss);
    void finish(bool ok);

    SessionHost& m_host;
    Document& m_document;
    Workspace& m_workspace;
    QMainWindow& m_window;
    QString m_screenshotFile;
    double m_testAccuracy = -1;
    bool m_trainingStarted = false;
};

} // namespace qk::app
