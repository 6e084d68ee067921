// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphscript.h"

#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

namespace qk::app {

namespace {

py::Keywords compileKeywords(const CompileSettings& compile, bool severalOutputs) {
    py::Keywords kw{{QStringLiteral("loss"), py::Expr(compile.loss)},
                    {QStringLiteral("optimizer"), compile.optimizer.expr()}};
    // Keras wants metrics per output when there are several; the project names one list.
    if (!compile.metrics.isEmpty() && !severalOutputs) {
        std::vector<py::Expr> metrics;
        for (const QString& metric : compile.metrics)
            metrics.emplace_back(metric);
        kw.emplace_back(QStringLiteral("metrics"), py::Expr::list(std::move(metrics)));
    }
    return kw;
}

} // namespace

py::Program graphProgram(const ModelGraph& graph, const QString& model,
                         const GraphScriptOptions& options) {
    py::Program code = graph.buildCode(model);
    const py::Expr m = py::Expr::name(model);
    if (!options.weightsFrom.isEmpty())
        code += m.attr(QStringLiteral("load_weights")).call({options.weightsFrom});
    if (options.compile)
        code += m.attr(QStringLiteral("compile"))
                    .call({}, compileKeywords(*options.compile, graph.outputIds().size() > 1));
    if (!options.saveTo.isEmpty())
        code += m.attr(QStringLiteral("save")).call({options.saveTo});
    return code;
}

keras::Model graphModel(Session& session, const ModelGraph& graph) {
    const QString variable = keras::worker::variable(QStringLiteral("model"));
    py::Program code = graph.buildCode(variable);
    code += py::Statement::expression(py::Expr(Value()));
    session.send(keras::worker::command(code));
    return keras::Model::adopt(session, variable);
}

QString graphScript(const ModelGraph& graph, const GraphScriptOptions& options) {
    py::Program script{
        py::Statement::raw(QStringLiteral("# Builds a functional Keras model, as QtKeras made it.\n"
                                          "# Run it with: KERAS_BACKEND=jax python <this file>")),
        py::Statement::importModule(QStringLiteral("json")),
        py::Statement::importModule(QStringLiteral("keras")),
        py::Statement::raw(QStringLiteral("\n# The model.")),
    };
    GraphScriptOptions build = options;
    build.weightsFrom.clear();
    build.compile.reset();
    build.saveTo.clear();
    script += graphProgram(graph, QStringLiteral("model"), build);
    const py::Expr model = py::Expr::name(QStringLiteral("model"));
    script += model.attr(QStringLiteral("summary")).call();
    if (!options.weightsFrom.isEmpty()) {
        script +=
            py::Statement::raw(QStringLiteral("\n# The trained weights of the imported file."));
        script += model.attr(QStringLiteral("load_weights")).call({options.weightsFrom});
    }
    if (options.compile) {
        script += py::Statement::raw(QStringLiteral("\n# How it is compiled."));
        script += model.attr(QStringLiteral("compile"))
                      .call({}, compileKeywords(*options.compile, graph.outputIds().size() > 1));
    }
    if (!options.saveTo.isEmpty())
        script += model.attr(QStringLiteral("save")).call({options.saveTo});
    script += py::Statement::raw(
        QStringLiteral("print(json.dumps({\"total_params\": model.count_params()}))"));
    return script.source() + u'\n';
}

} // namespace qk::app
