// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace qk::app {

class Document;
class SessionHost;
struct DocumentChange;

// Keras' answer for each node of the document's graph: output shape, parameters, or the
// error of the node that cannot be made or called. After a burst of graph edits it sends
// one command (graph.describe) and never more than one at a time; answers that a newer
// edit made stale are dropped. Problems of the graph itself (a cycle, an unconnected
// layer) are found here at once, without the worker. The GUI never waits for it.
class GraphChecker : public QObject {
    Q_OBJECT
public:
    // A layer inside a block (a model used as a layer), as Keras made it.
    struct InnerLayer {
        QString name;
        QString className;
        QString shape;
        qint64 params = 0;
        QList<int> inputs; // the inner layers it takes tensors from (indices)
        friend bool operator==(const InnerLayer&, const InnerLayer&) = default;
    };
    struct NodeResult {
        QString shape;    // "(None, 16)"; several outputs: "[(None, 8), (None, 8)]"
        Value kerasShape; // the same as Keras gives it: a tuple of ints and None (a list of them)
        int outputs = 1;  // how many tensors the call returns
        qint64 params = 0;
        QString error;           // why Keras refused the node
        QList<InnerLayer> inner; // a block's layers, in the model's order
    };

    GraphChecker(SessionHost& host, Document& document, QObject* parent = nullptr);

    // The latest answer for a node, or nullptr (not checked yet, or after a failed node).
    const NodeResult* result(int nodeId) const;
    // What keeps the graph from being a model, found without the worker.
    const std::vector<GraphProblem>& problems() const { return m_problems; }
    // The first error of the graph (a problem, else a node Keras refused); empty when none.
    QString firstError() const;
    // The nodes whose call fails, and the edges into them.
    bool hasError(int nodeId) const;
    bool edgeHasError(const GraphEdge& edge) const;
    qint64 totalParams() const { return m_totalParams; }
    qint64 trainableParams() const { return m_trainableParams; }
    bool isUpToDate() const { return m_answered == m_generation && !m_timer.isActive(); }
    // Checks again (after a worker restart, say).
    void recheck();

Q_SIGNALS:
    // New results (or problems) to show.
    void updated();

private:
    void onChanged(const DocumentChange& change);
    void send();

    SessionHost& m_host;
    Document& m_document;
    QTimer m_timer;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    quint64 m_answered = 0;
    QHash<int, NodeResult> m_results;
    std::vector<GraphProblem> m_problems;
    QString m_failure; // the command itself failed (worker gone)
    qint64 m_totalParams = 0;
    qint64 m_trainableParams = 0;
};

} // namespace qk::app
