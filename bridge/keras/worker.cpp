// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/worker.h"

#include "bridge/session/session.h"

#include <QRegularExpression>

namespace qk::keras::worker {

namespace {

const QString kerasName = QStringLiteral("keras");
const QString packageName = QStringLiteral("qtkeras_worker");
const QString supportModule = QStringLiteral("model_support");
const QString helpersName = QStringLiteral("qk");
const QString helperPrefix = QStringLiteral("qk_");

QString aliasOf(const QString& module) {
    return module == supportModule ? helpersName : helperPrefix + module;
}

} // namespace

py::Expr call(const QString& module, const QString& function, std::vector<py::Expr> args,
              py::Keywords kwargs) {
    return py::Expr::name(aliasOf(module)).attr(function).call(std::move(args), std::move(kwargs));
}

py::Expr support(const QString& function, std::vector<py::Expr> args, py::Keywords kwargs) {
    // The Keras call a helper stands for, for people to read; the helper is what runs.
    std::optional<py::Expr> shown;
    if ((function == QLatin1String("fit") || function == QLatin1String("evaluate")) &&
        !args.empty()) {
        const std::vector<py::Expr> data(args.begin() + 1, args.end());
        // The worker's own keywords (a checkpoint to write or resume from) are no Keras
        // ones: the callbacks show what they do.
        py::Keywords keras;
        for (const auto& [name, value] : kwargs) {
            if (name != QLatin1String("checkpoint") && name != QLatin1String("resume"))
                keras.emplace_back(name, value);
        }
        shown = args.front().attr(function).call(data, std::move(keras));
    } else if ((function == QLatin1String("info") || function == QLatin1String("summary")) &&
               args.size() == 1 && kwargs.empty()) {
        shown = args.front().attr(QStringLiteral("summary")).call();
    } else if (function == QLatin1String("shape") && args.size() == 1 && kwargs.empty()) {
        shown = args.front().attr(QStringLiteral("shape"));
    }
    py::Expr helper = call(supportModule, function, std::move(args), std::move(kwargs));
    return shown ? helper.shownAs(*shown) : helper;
}

py::Statement building(std::vector<py::Statement> body, std::optional<py::Expr> model) {
    std::vector<py::Expr> args;
    if (model)
        args.push_back(std::move(*model));
    return py::Statement::with(support(QStringLiteral("building"), std::move(args)),
                               std::move(body))
        .shownAsBody();
}

Command command(const py::Program& program, std::vector<std::pair<QString, Value>> bindings) {
    const QSet<QString> names = program.names();
    // The imports the program needs, each with the name the code reads it by.
    std::vector<std::pair<QString, py::Statement>> imports;
    if (names.contains(kerasName))
        imports.emplace_back(kerasName, py::Statement::importModule(kerasName));
    if (names.contains(helpersName))
        imports.emplace_back(helpersName, py::Statement::importModule(
                                              packageName + u'.' + supportModule, helpersName));
    QStringList others;
    for (const QString& name : names) {
        if (name.startsWith(helperPrefix))
            others << name;
    }
    others.sort();
    for (const QString& alias : others)
        imports.emplace_back(
            alias, py::Statement::importModule(packageName + u'.' + alias.mid(helperPrefix.size()),
                                               alias));
    // What people are shown: the imports that the shown program still reads, then it.
    const py::Shown shownProgram = program.shown();
    py::Program code;
    QStringList shown;
    std::vector<int> shownLines;
    for (const auto& [alias, import] : imports) {
        code += import;
        const bool read =
            QRegularExpression(QStringLiteral("\\b%1\\.").arg(QRegularExpression::escape(alias)))
                .match(shownProgram.text)
                .hasMatch();
        shownLines.push_back(static_cast<int>(read ? shown.size() : 0));
        if (read)
            shown << import.source();
    }
    for (const int line : shownProgram.lines)
        shownLines.push_back(static_cast<int>(shown.size()) + line);
    shown << shownProgram.text;
    code += program;
    Command c(code.source());
    if (QString text = shown.join(QLatin1Char('\n')); text != c.code) {
        c.shown = std::move(text);
        c.shownLines = std::move(shownLines);
    }
    for (auto& binding : bindings)
        c.bind(binding.first, std::move(binding.second));
    return c;
}

QString variable(const QString& prefix) {
    QString clean;
    for (const QChar c : prefix.toLower()) {
        const bool ascii = c.unicode() < 0x80 && (c.isLetterOrNumber() || c == u'_');
        if (ascii)
            clean += c;
        else if (!clean.endsWith(u'_'))
            clean += u'_';
    }
    while (!clean.isEmpty() && !clean.front().isLetter())
        clean.remove(0, 1);
    clean = clean.left(40);
    while (clean.endsWith(u'_'))
        clean.chop(1);
    if (clean.isEmpty() || clean == helpersName || clean.startsWith(helperPrefix))
        clean.prepend(QStringLiteral("v_"));
    return clean + u'_' + Session::freshName();
}

QString snakeCase(const QString& className) {
    static const QRegularExpression wordStart(QStringLiteral("(.)([A-Z][a-z]+)"));
    static const QRegularExpression caseChange(QStringLiteral("([a-z])([A-Z])"));
    QString name = className;
    name.replace(wordStart, QStringLiteral("\\1_\\2"));
    name.replace(caseChange, QStringLiteral("\\1_\\2"));
    return name.toLower();
}

} // namespace qk::keras::worker
