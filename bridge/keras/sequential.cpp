#include "bridge/keras/sequential.h"

#include "bridge/keras/modelstate.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

namespace qk::keras {

namespace {
std::shared_ptr<Model::State> sequentialState(Session& session, const QString& name) {
    auto state = std::make_shared<Model::State>();
    state->session = &session;
    state->variable = Session::freshName();
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
    std::vector<py::Expr> args{py::Expr::name(m_state->variable), layer.callee()};
    for (py::Expr& a : layer.positionalExprs())
        args.push_back(std::move(a));
    auto state = m_state;
    return session()
        .send(worker::command(
            {worker::support(QStringLiteral("add"), std::move(args), layer.keywordExprs())}))
        .then([state, layer](const Value& v) {
            std::lock_guard lock(state->mutex);
            state->layers.push_back(layer);
            return ModelInfo::fromValue(v);
        });
}

QFuture<ModelInfo> Sequential::pop() {
    auto state = m_state;
    return session()
        .send(worker::command(
            {worker::support(QStringLiteral("pop"), {py::Expr::name(m_state->variable)})}))
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
