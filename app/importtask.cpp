// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/importtask.h"

#include "app/document.h"
#include "app/graphbuilder.h"
#include "app/graphchecker.h"
#include "app/graphview.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/projectactions.h"
#include "app/sessionhost.h"
#include "app/workspace.h"
#include "bridge/session/session.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QTimer>

namespace qk::app {

ImportTask::ImportTask(SessionHost& host, MainWindow& window, Options options)
    : QObject(&window)
    , m_host(host)
    , m_window(window)
    , m_options(std::move(options)) {}

void ImportTask::start() {
    m_host.session()
        .ready()
        .then(this,
              [this](const WorkerInfo&) {
                  m_window.project()
                      .importKerasModel(m_options.model)
                      .then(this, [this](const ImportedModel&) { imported(); })
                      .onFailed(this, [this](const std::exception& e) {
                          Q_EMIT finished(false,
                                          tr("Cannot import %1: %2")
                                              .arg(m_options.model, QString::fromUtf8(e.what())));
                      });
              })
        .onFailed(this, [this](const std::exception& e) {
            Q_EMIT finished(false,
                            tr("The worker did not start: %1").arg(QString::fromUtf8(e.what())));
        });
}

void ImportTask::imported() {
    ProjectActions& project = m_window.project();
    QStringList done;
    if (!m_options.script.isEmpty()) {
        QString error;
        // Without weights: the script builds the model only.
        const QString weights = project.importedWeights();
        if (!project.exportScript(m_options.script, &error, m_options.withWeights)) {
            Q_EMIT finished(false, tr("Cannot export the script: %1").arg(error));
            return;
        }
        done << tr("wrote %1%2")
                    .arg(QDir::toNativeSeparators(m_options.script),
                         m_options.withWeights && !weights.isEmpty()
                             ? tr(" (loading the weights of %1)").arg(QFileInfo(weights).fileName())
                             : QString());
    }
    m_done = done;
    Workspace& workspace = m_window.workspace();
    // The picture shows Keras' shapes: it waits for them.
    if (!m_options.screenshot.isEmpty() && m_window.document().isGraph() &&
        !workspace.graphChecker().isUpToDate()) {
        connect(&workspace.graphChecker(), &GraphChecker::updated, this, [this] {
            if (m_window.workspace().graphChecker().isUpToDate() && !m_shot) {
                m_shot = true;
                screenshot();
            }
        });
        return;
    }
    screenshot();
}

void ImportTask::screenshot() {
    QStringList done = m_done;
    if (!m_options.screenshot.isEmpty()) {
        Workspace& workspace = m_window.workspace();
        // A graph as the whole laid-out picture; a list as the builder shows it.
        const QImage picture = m_window.document().isGraph()
                                   ? workspace.graphBuilder()->renderGraph()
                                   : workspace.builder()->grab().toImage();
        if (!picture.save(m_options.screenshot)) {
            Q_EMIT finished(false, tr("Cannot write %1").arg(m_options.screenshot));
            return;
        }
        done << tr("wrote %1").arg(QDir::toNativeSeparators(m_options.screenshot));
    }
    Q_EMIT finished(
        true, tr("Imported %1; %2")
                  .arg(QFileInfo(m_options.model).fileName(), done.join(QStringLiteral(", "))));
}

} // namespace qk::app
