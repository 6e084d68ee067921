// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/shapechecker.h"

#include "app/document.h"
#include "app/sessionhost.h"
#include "bridge/keras/modelinfo.h"
#include "bridge/keras/worker.h"

namespace qk::app {

namespace {
constexpr int coalesceMs = 40;
}

ShapeChecker::ShapeChecker(SessionHost& host, Document& document, QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_document(document) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(coalesceMs);
    connect(&m_timer, &QTimer::timeout, this, &ShapeChecker::send);
    connect(&document, &Document::changed, this, &ShapeChecker::onDocumentChanged);
    connect(&host.events(), &SessionEvents::workerReady, this, &ShapeChecker::recheck);
}

const ShapeChecker::LayerResult* ShapeChecker::result(int layerId) const {
    const auto it = m_results.constFind(layerId);
    return it == m_results.constEnd() ? nullptr : &*it;
}

void ShapeChecker::onDocumentChanged(const DocumentChange& change) {
    if (change.isLayerChange())
        recheck();
}

void ShapeChecker::recheck() {
    ++m_generation;
    m_timer.start();
}

void ShapeChecker::send() {
    std::vector<py::Expr> specs;
    QList<int> ids;
    for (const LayerItem& item : m_document.layers()) {
        std::vector<std::pair<py::Expr, py::Expr>> items;
        for (auto& [name, value] : item.layer.keywordExprs())
            items.emplace_back(py::Expr::literal(name), value);
        specs.push_back(
            py::Expr::tuple({item.layer.callee(), py::Expr::tuple(item.layer.positionalExprs()),
                             py::Expr::dict(std::move(items))}));
        ids << item.id;
    }
    const quint64 generation = m_generation;
    m_host.session()
        .send(keras::worker::command({py::Statement::expression(
            keras::worker::support(QStringLiteral("describe"), {py::Expr::list(specs)}))}))
        .then(this,
              [this, generation, ids](const Value& answer) {
                  if (generation != m_generation)
                      return; // a newer edit is on its way
                  m_results.clear();
                  const auto& layers = answer["layers"].items();
                  for (size_t i = 0; i < layers.size() && i < static_cast<size_t>(ids.size());
                       ++i) {
                      m_results.insert(ids[static_cast<int>(i)],
                                       {keras::shapeText(layers[i]["output_shape"]),
                                        layers[i]["params"].toInt(), layers[i]["output_shape"]});
                  }
                  m_failure = {};
                  if (const Value& error = answer["error"]; !error.isNone()) {
                      const auto index = static_cast<int>(error["index"].toInt());
                      m_failure = {ids.value(index), error["type"].toString(),
                                   error["message"].toString()};
                  }
                  m_totalParams = answer["total_params"].toInt();
                  m_trainableParams = answer["trainable_params"].toInt();
                  m_answered = generation;
                  Q_EMIT updated();
              })
        .onFailed(this, [this, generation](const std::exception& e) {
            if (generation != m_generation)
                return;
            m_answered = generation;
            Q_EMIT checkFailed(QString::fromUtf8(e.what()));
            Q_EMIT updated();
        });
}

} // namespace qk::app
