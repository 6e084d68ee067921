// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphchecker.h"

#include "app/document.h"
#include "app/sessionhost.h"
#include "bridge/keras/modelinfo.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

namespace qk::app {

namespace {
constexpr int coalesceMs = 30;

QString shapesText(const Value& shape, int outputs) {
    if (outputs <= 1)
        return keras::shapeText(shape);
    QStringList parts;
    for (const Value& item : shape.items())
        parts << keras::shapeText(item);
    return u'[' + parts.join(QStringLiteral(", ")) + u']';
}
GraphChecker::InnerLayer innerLayer(const Value& value) {
    GraphChecker::InnerLayer layer;
    layer.name = value["name"].toString();
    layer.className = value["class"].toString();
    layer.shape = keras::shapeText(value["shape"]);
    layer.params = value["params"].toInt();
    for (const Value& index : value["inputs"].items())
        layer.inputs << static_cast<int>(index.toInt());
    return layer;
}
} // namespace

GraphChecker::GraphChecker(SessionHost& host, Document& document, QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_document(document) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(coalesceMs);
    connect(&m_timer, &QTimer::timeout, this, &GraphChecker::send);
    connect(&document, &Document::changed, this, &GraphChecker::onChanged);
    connect(&host.events(), &SessionEvents::workerReady, this, &GraphChecker::recheck);
}

const GraphChecker::NodeResult* GraphChecker::result(int nodeId) const {
    const auto it = m_results.constFind(nodeId);
    return it == m_results.constEnd() ? nullptr : &*it;
}

QString GraphChecker::firstError() const {
    if (!m_problems.empty())
        return m_problems.front().message;
    if (!m_failure.isEmpty())
        return m_failure;
    for (const GraphNode& node : m_document.graph().nodes) {
        if (const NodeResult* r = result(node.id); r && !r->error.isEmpty())
            return r->error;
    }
    return {};
}

bool GraphChecker::hasError(int nodeId) const {
    for (const GraphProblem& p : m_problems) {
        if (p.nodeId == nodeId)
            return true;
    }
    const NodeResult* r = result(nodeId);
    return r && !r->error.isEmpty();
}

bool GraphChecker::edgeHasError(const GraphEdge& edge) const {
    for (const GraphProblem& p : m_problems) {
        if (p.edge && *p.edge == edge)
            return true;
    }
    const NodeResult* r = result(edge.to);
    return r && !r->error.isEmpty();
}

void GraphChecker::onChanged(const DocumentChange& change) {
    if (change.kind == DocumentChange::Kind::GraphChanged && !change.layoutOnly)
        recheck();
}

void GraphChecker::recheck() {
    ++m_generation;
    m_problems = m_document.graph().problems();
    // Nodes that are gone lose their results at once.
    for (auto it = m_results.begin(); it != m_results.end();) {
        it = m_document.graph().node(it.key()) ? std::next(it) : m_results.erase(it);
    }
    Q_EMIT updated();
    m_timer.start();
}

void GraphChecker::send() {
    if (m_inFlight)
        return; // sent again when the answer comes
    const ModelGraph& graph = m_document.graph();
    const quint64 generation = m_generation;
    if (!m_document.isGraph() || graph.isEmpty() || !graph.topologicalOrder()) {
        m_results.clear();
        m_totalParams = m_trainableParams = 0;
        m_answered = generation;
        Q_EMIT updated();
        return;
    }
    py::Expr spec = graph.describeSpec();
    m_inFlight = true;
    m_host.session()
        .send(keras::worker::command({py::Statement::expression(
            keras::worker::call(QStringLiteral("graph"), QStringLiteral("describe"), {spec}))}))
        .then(this,
              [this, generation](const Value& answer) {
                  m_inFlight = false;
                  if (generation != m_generation) {
                      send();
                      return;
                  }
                  m_results.clear();
                  m_failure.clear();
                  for (const Value& node : answer["nodes"].items()) {
                      NodeResult r;
                      if (node.contains(QStringLiteral("error"))) {
                          r.error = node["error"]["message"].toString();
                      } else {
                          r.outputs = static_cast<int>(node["outputs"].toInt());
                          r.kerasShape = node["shape"];
                          r.shape = shapesText(r.kerasShape, r.outputs);
                          r.params = node["params"].toInt();
                          if (node.contains(QStringLiteral("inner"))) {
                              for (const Value& layer : node["inner"].items())
                                  r.inner << innerLayer(layer);
                          }
                      }
                      m_results.insert(static_cast<int>(node["id"].toInt()), r);
                  }
                  m_totalParams = answer["total_params"].toInt();
                  m_trainableParams = answer["trainable_params"].toInt();
                  m_answered = generation;
                  Q_EMIT updated();
              })
        .onFailed(this, [this, generation](const std::exception& e) {
            m_inFlight = false;
            if (generation != m_generation) {
                send();
                return;
            }
            m_failure =
                tr("Shapes unknown: %1").arg(QString::fromUtf8(e.what()).section(u'\n', 0, 0));
            m_answered = generation;
            Q_EMIT updated();
        });
}

} // namespace qk::app
