#include "bridge/keras/worker.h"

namespace qk::keras::worker {

py::Expr call(const QString& module, const QString& function, std::vector<py::Expr> args,
              py::Keywords kwargs) {
    const py::Expr imported = py::Expr::name(QStringLiteral("__import__"))
                                  .call({QStringLiteral("qtkeras_worker.") + module},
                                        {{QStringLiteral("fromlist"), py::Expr::list({function})}});
    return imported.attr(function).call(std::move(args), std::move(kwargs));
}

py::Expr support(const QString& function, std::vector<py::Expr> args, py::Keywords kwargs) {
    return call(QStringLiteral("model_support"), function, std::move(args), std::move(kwargs));
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
