#pragma once

#include <QObject>
#include <QString>

namespace qk::app {

class MainWindow;

// `qtkeras --demo iris` in the window: the paper's iris network in the builder, iris data
// and 100 epochs, trained with live charts; with a screenshot file, the window is written
// once training has ended.
class IrisGuiDemo : public QObject {
    Q_OBJECT
public:
    IrisGuiDemo(MainWindow& window, QString screenshotFile);

    void start();

Q_SIGNALS:
    void finished(bool ok);

private:
    void fillAndTrain();
    void onTrained(bool ok, const QString& message);

    MainWindow& m_window;
    QString m_screenshotFile;
};

} // namespace qk::app
