// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/irisguidemo.h"

#include "app/catalogsource.h"
#include "app/document.h"
#include "app/modelbuilder.h"
#include "app/screenshot.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "inspectors/traininghistoryview.h"

#include <QImage>
#include <QMainWindow>
#include <QStatusBar>
#include <QTimer>
#include <QUndoStack>

namespace qk::app {

IrisGuiDemo::IrisGuiDemo(SessionHost& host, Document& document, Workspace& workspace,
                         QMainWindow& window, QString screenshotFile)
    : QObject(&window)
    , m_host(host)
    , m_document(document)
    , m_workspace(workspace)
    , m_window(window)
    , m_screenshotFile(std::move(screenshotFile)) {
    connect(&workspace.trainer(), &TrainingController::finished, this, &IrisGuiDemo::onTrained);
}

void IrisGuiDemo::start() {
    m_host.session()
        .ready()
        .then(this, [this](const WorkerInfo&) { fillAndTrain(); })
        .onFailed(this, [this](const std::exception&) { Q_EMIT finished(false); });
}

void IrisGuiDemo::fillAndTrain() {
    Document& document = m_document;
    document.undoStack()->beginMacro(tr("Iris demo"));
    // Keyword arguments, as the palette and the Properties dock make them.
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Layer(QStringLiteral("Dense"), {{QStringLiteral("units"), 16}}));
    document.addLayer(
        keras::Layer(QStringLiteral("Activation"), {{QStringLiteral("activation"), "sigmoid"}}));
    document.addLayer(keras::Layer(QStringLiteral("Dense"), {{QStringLiteral("units"), 3}}));
    document.addLayer(
        keras::Layer(QStringLiteral("Activation"), {{QStringLiteral("activation"), "softmax"}}));
    document.setDataSource(DataSource{});
    CompileSettings compile = document.compileSettings();
    compile.optimizer.set(QStringLiteral("learning_rate"), 0.01);
    document.setCompileSettings(compile);
    TrainingSettings training = document.trainingSettings();
    training.epochs = Epochs;
    training.validationSplit = 0.2;
    document.setTrainingSettings(training);
    document.undoStack()->endMacro();
    // The first Dense layer's arguments in the Properties dock while it trains.
    m_workspace.builder()->selectLayer(document.layerAt(1).id);
    // Training waits for the catalog (the palette and the Properties dock) and the builder's
    // shapes, which would otherwise queue behind the whole fit in the worker.
    connect(&m_workspace.catalog(), &CatalogSource::loaded, this, &IrisGuiDemo::trainWhenChecked);
    connect(&m_workspace.catalog(), &CatalogSource::failed, this, &IrisGuiDemo::train);
    connect(&m_workspace.shapes(), &ShapeChecker::updated, this, &IrisGuiDemo::trainWhenChecked);
    connect(&m_workspace.shapes(), &ShapeChecker::checkFailed, this, &IrisGuiDemo::train);
    trainWhenChecked();
}

void IrisGuiDemo::trainWhenChecked() {
    if (m_workspace.catalog().isLoaded() && m_workspace.shapes().isUpToDate())
        train();
}

void IrisGuiDemo::train() {
    if (m_trainingStarted)
        return;
    m_trainingStarted = true;
    disconnect(&m_workspace.catalog(), nullptr, this, nullptr);
    disconnect(&m_workspace.shapes(), nullptr, this, nullptr);
    QString error;
    if (!m_workspace.trainer().train(&error)) {
        m_window.statusBar()->showMessage(tr("Cannot train: %1").arg(error));
        Q_EMIT finished(false);
    }
}

void IrisGuiDemo::onTrained(bool ok, const QString&) {
    disconnect(&m_workspace.trainer(), nullptr, this, nullptr);
    if (!ok) {
        finish(false);
        return;
    }
    m_workspace.trainer()
        .evaluate()
        .then(this,
              [this](const keras::Scores& scores) {
                  onScored(scores.value(QStringLiteral("accuracy")),
                           scores.value(QStringLiteral("loss")));
              })
        .onFailed(this, [this](const std::exception& e) {
            m_window.statusBar()->showMessage(tr("Cannot score the model: %1").arg(e.what()));
            finish(false);
        });
}

void IrisGuiDemo::onScored(double accuracy, double loss) {
    m_testAccuracy = accuracy;
    const auto& data = m_workspace.trainer().data();
    const auto rows = data ? data->prepared.split.test.size() : 0;
    m_window.statusBar()->showMessage(
        tr("Iris demo: test accuracy %1, test loss %2 on %n "
           "held-out row(s)",
           nullptr, static_cast<int>(rows))
            .arg(QString::number(accuracy, 'f', 3), QString::number(loss, 'f', 3)));
    finish(true);
}

void IrisGuiDemo::finish(bool ok) {
    if (m_screenshotFile.isEmpty()) {
        Q_EMIT finished(ok);
        return;
    }
    // Let the charts and the builder's shapes catch up before the picture.
    QTimer::singleShot(1500, this, [this, ok] {
        m_workspace.historyView()->redrawNow();
        const bool saved = grabWithDialogs(&m_window).save(m_screenshotFile);
        if (!saved)
            qWarning("could not write %s", qPrintable(m_screenshotFile));
        Q_EMIT finished(ok && saved);
    });
}

} // namespace qk::app
