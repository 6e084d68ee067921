// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/sequential.h"

#include "bridge/keras/modelstate.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

namespace qk::keras {

namespace {

std::shared_ptr<Model::State> sequentialState(Session& session, const QString& name) {
    auto state = std::make_shared<Model::State>();
    state->session = &session;
    state->variable = worker::variable(QStringLiteral("model"));
    state->kind = Model::State::Kind::Sequential;
    state->name = name;
    py::Keywords kwargs;
    if (!name.isEmpty())
        kwargs.emplace_back(QStringLiteral("name"), name);
    const py::Expr target = py::Expr::name(state->variable);
    state->created = session
                         .send(worker::command(
                             {py::Statement::assign(target, py::Expr::name(QStringLiteral("keras"))
                                                                .attr(QStringLiteral("Sequential"))
                                                                .call({}, std::move(kwargs))),
                              worker::support(QStringLiteral("info"), {target})}))
                         .then([](const Value& v) { return ModelInfo::fromValue(v); });
    return state;
}

} // namespace

Sequential::Sequential(Session& session, const QString& name)
    : Model(sequentialState(session, name)) {}

QFuture<ModelInfo> Sequential::add(const Layer& layer) {
    const py::Expr model = py::Expr::name(m_state->variable);
    auto state = m_state;
    return session()
        .send(worker::command(
            {worker::building({model.attr(QStringLiteral("add")).call({layer.expr()})}, model),
             worker::support(QStringLiteral("info"), {model})}))
        .then([state, layer](const Value& v) {
            std::lock_guard lock(state->mutex);
            state->layers.push_back(layer);
            return ModelInfo::fromValue(v);
        });
}

QFuture<ModelInfo> Sequential::pop() {
    const py::Expr model = py::Expr::name(m_state->variable);
    auto state = m_state;
    return session()
        .send(worker::command({model.attr(QStringLiteral("pop")).call(),
                               worker::support(QStringLiteral("info"), {model})}))
        .then([state](const Value& v) {
            std::lock_guard lock(state->mutex);
            if (!state->layers.empty())
                state->layers.pop_back();
            return ModelInfo::fromValue(v);
        });
}

std::vector<Layer> Sequential::layers() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->layers;
}

} // namespace qk::keras
