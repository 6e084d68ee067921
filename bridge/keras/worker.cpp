#include "bridge/keras/worker.h"

namespace qk::keras::worker {

py::Expr support(const QString& function, std::vector<py::Expr> args, py::Keywords kwargs) {
    const py::Expr module = py::Expr::name(QStringLiteral("__import__"))
                                .call({QStringLiteral("qtkeras_worker.model_support")},
                                      {{QStringLiteral("fromlist"), py::Expr::list({function})}});
    return module.attr(function).call(std::move(args), std::move(kwargs));
}

Command command(py::Program program, std::vector<std::pair<QString, Value>> bindings) {
    py::Program code{py::Statement::importModule(QStringLiteral("keras"))};
    code += program;
    Command c(code.source());
    for (auto& [name, value] : bindings)
        c.bind(name, std::move(value));
    return c;
}

} // namespace qk::keras::worker
