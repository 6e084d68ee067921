#include "app/irisguidemo.h"

#include "app/document.h"
#include "app/mainwindow.h"
#include "app/screenshot.h"
#include "app/sessionhost.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "inspectors/traininghistoryview.h"

#include <QImage>
#include <QStatusBar>
#include <QTimer>
#include <QUndoStack>

namespace qk::app {

IrisGuiDemo::IrisGuiDemo(MainWindow& window, QString screenshotFile)
    : QObject(&window)
    , m_window(window)
    , m_screenshotFile(std::move(screenshotFile)) {
    connect(&window.workspace().trainer(), &TrainingController::finished, this,
            &IrisGuiDemo::onTrained);
}

void IrisGuiDemo::start() {
    m_window.host()
        .session()
        .ready()
        .then(this, [this](const WorkerInfo&) { fillAndTrain(); })
        .onFailed(this, [this](const std::exception&) { Q_EMIT finished(false); });
}

void IrisGuiDemo::fillAndTrain() {
    Document& document = m_window.document();
    document.undoStack()->beginMacro(tr("Iris demo"));
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Dense(16));
    document.addLayer(keras::Activation("sigmoid"));
    document.addLayer(keras::Dense(3));
    document.addLayer(keras::Activation("softmax"));
    document.setDataSource(DataSource{});
    TrainingSettings training = document.trainingSettings();
    training.epochs = 100;
    document.setTrainingSettings(training);
    document.undoStack()->endMacro();
    QString error;
    if (!m_window.workspace().trainer().train(&error)) {
        m_window.statusBar()->showMessage(tr("Cannot train: %1").arg(error));
        Q_EMIT finished(false);
    }
}

void IrisGuiDemo::onTrained(bool ok, const QString&) {
    disconnect(&m_window.workspace().trainer(), nullptr, this, nullptr);
    if (m_screenshotFile.isEmpty()) {
        Q_EMIT finished(ok);
        return;
    }
    // Let the charts and the builder's shapes catch up before the picture.
    QTimer::singleShot(1500, this, [this, ok] {
        m_window.workspace().historyView()->redrawNow();
        const bool saved = grabWithDialogs(&m_window).save(m_screenshotFile);
        if (!saved)
            qWarning("could not write %s", qPrintable(m_screenshotFile));
        Q_EMIT finished(ok && saved);
    });
}

} // namespace qk::app
