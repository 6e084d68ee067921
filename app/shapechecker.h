// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

namespace qk::app {

class Document;
class SessionHost;
struct DocumentChange;

// Keeps each layer's output shape and parameter count as the worker computes them. After
// an edit to the layers it sends the whole network as one command (rapid edits coalesce
// into one), updates when the answer arrives and ignores answers that a newer edit made
// stale. The GUI never waits for it.
class ShapeChecker : public QObject {
    Q_OBJECT
public:
    struct LayerResult {
        QString outputShape; // "(None, 16)", "?" when it cannot be known yet
        qint64 params = 0;
        Value shape; // the same as Keras gives it: a tuple of ints and None
    };
    struct Failure {
        int layerId = 0;
        QString type;
        QString message;
    };

    ShapeChecker(SessionHost& host, Document& document, QObject* parent = nullptr);

    // The latest answer for the layer, or nullptr when the worker has not reported it
    // (not checked yet, or after the layer that fails).
    const LayerResult* result(int layerId) const;
    // The layer that stops the network, and why; layerId 0 when none does.
    const Failure& failure() const { return m_failure; }
    qint64 totalParams() const { return m_totalParams; }
    qint64 trainableParams() const { return m_trainableParams; }
    // True when the shown results answer the network as it is now.
    bool isUpToDate() const { return m_answered == m_generation && !m_timer.isActive(); }
    // Checks now (after a worker restart, say).
    void recheck();

Q_SIGNALS:
    // New results arrived (or the check failed: then message says why).
    void updated();
    void checkFailed(const QString& message);

private:
    void onDocumentChanged(const DocumentChange& change);
    void send();

    SessionHost& m_host;
    Document& m_document;
    QTimer m_timer;
    quint64 m_generation = 0; // of the network as edited
    quint64 m_answered = 0;   // the generation the results belong to
    QHash<int, LayerResult> m_results;
    Failure m_failure;
    qint64 m_totalParams = 0;
    qint64 m_trainableParams = 0;
};

} // namespace qk::app
