// SPDX-License-Identifier: GPL-3.0-or-later
// The QtKeras executable: the IDE's main window on a session with a local worker.
#include "app/appearance.h"
#include "app/importtask.h"
#include "app/irisguidemo.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/sessionhost.h"
#include "app/startuptasks.h"
#include "app/workersettings.h"
#include "examples/irisdemo.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>
#include <cstring>

namespace {

// `--import FILE --export-script OUT` or `--import FILE --screenshot OUT` runs without a
// display: the offscreen platform, unless one is chosen.
void headlessForScriptedImport(int argc, char* argv[]) {
    bool import = false;
    bool output = false;
    for (int i = 1; i < argc; ++i) {
        import = import || std::strcmp(argv[i], "--import") == 0;
        output = output || std::strcmp(argv[i], "--export-script") == 0 ||
                 std::strcmp(argv[i], "--screenshot") == 0;
    }
    if (import && output && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
}

} // namespace

int main(int argc, char* argv[]) {
    // Without a window (and without a display): `qtkeras --demo iris --headless --json`.
    if (qk::examples::wantsHeadlessDemo(argc, argv))
        return qk::examples::runHeadlessDemo(argc, argv);
    headlessForScriptedImport(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QtKeras"));
    QApplication::setOrganizationName(QStringLiteral("QtKeras"));
    QApplication::setApplicationVersion(QStringLiteral(QTKERAS_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A Qt IDE for Keras"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Run a demo (iris)."),
                                  QStringLiteral("name"));
    const QCommandLineOption exec(
        QStringLiteral("exec"),
        QStringLiteral("Run Python code in the console once the worker is ready (repeatable)."),
        QStringLiteral("code"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Write the window to FILE once the start-up code has run, and exit. "
                       "With --import: the imported graph, laid out, with Keras' shapes."),
        QStringLiteral("file"));
    const QCommandLineOption import(
        QStringLiteral("import"),
        QStringLiteral("Import a .keras model into the builder (a functional model as its graph)."),
        QStringLiteral("file"));
    const QCommandLineOption exportScript(
        QStringLiteral("export-script"),
        QStringLiteral("With --import: write a Python script that rebuilds the model (loading "
                       "the file's weights unless --without-weights), and exit."),
        QStringLiteral("file"));
    const QCommandLineOption withoutWeights(
        QStringLiteral("without-weights"),
        QStringLiteral("With --export-script: the script builds the model without loading the "
                       "file's weights."));
    const QCommandLineOption theme(
        QStringLiteral("theme"),
        QStringLiteral("Colours for this run: system, light or dark (View menu: for good)."),
        QStringLiteral("name"));
    parser.addOptions({demo, exec, screenshot, import, exportScript, withoutWeights, theme});
    parser.addPositionalArgument(QStringLiteral("project"),
                                 QStringLiteral("A .qtkeras project (or a .keras model) to open."),
                                 QStringLiteral("[project]"));
    parser.process(app);
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        std::fputs("qtkeras: give at most one project to open\n", stderr);
        return 2;
    }

    qk::app::rememberSystemPalette();
    qk::app::Theme colours = qk::app::savedTheme();
    if (parser.isSet(theme)) {
        const QString name = parser.value(theme);
        if (name == QLatin1String("dark"))
            colours = qk::app::Theme::Dark;
        else if (name == QLatin1String("light"))
            colours = qk::app::Theme::Light;
        else if (name == QLatin1String("system"))
            colours = qk::app::Theme::System;
        else {
            std::fputs("qtkeras: --theme takes system, light or dark\n", stderr);
            return 2;
        }
    }
    qk::app::applyTheme(colours);

    qk::SessionOptions options;
    options.worker = qk::app::savedWorkerOptions();
    qk::app::SessionHost host(options);
    qk::app::MainWindow window(host);
    if (parser.isSet(import) && (parser.isSet(exportScript) || parser.isSet(screenshot)))
        window.resize(1600, 1000);
    window.show();

    if (parser.isSet(import)) {
        auto* task =
            new qk::app::ImportTask(host, window,
                                    {parser.value(import), parser.value(exportScript),
                                     parser.value(screenshot), !parser.isSet(withoutWeights)});
        const bool exits = parser.isSet(exportScript) || parser.isSet(screenshot);
        QObject::connect(task, &qk::app::ImportTask::finished, &app,
                         [exits, &window](bool ok, const QString& message) {
                             std::fputs(qPrintable(message + u'\n'), ok ? stdout : stderr);
                             if (!exits)
                                 return;
                             // A scripted run leaves no recovery file behind.
                             window.project().autosave().discard();
                             QApplication::exit(ok ? 0 : 1);
                         });
        task->start();
        return QApplication::exec();
    }

    if (parser.value(demo) == QLatin1String("iris")) {
        auto* irisDemo = new qk::app::IrisGuiDemo(host, window.document(), window.workspace(),
                                                  window, parser.value(screenshot));
        if (parser.isSet(screenshot)) {
            QObject::connect(irisDemo, &qk::app::IrisGuiDemo::finished, &app,
                             [](bool ok) { QApplication::exit(ok ? 0 : 1); });
        }
        irisDemo->start();
        return QApplication::exec();
    }
    const QStringList code = parser.values(exec);
    // Projects that a crashed QtKeras left unsaved; not when the start-up is scripted or a
    // project was named.
    if (!files.isEmpty())
        window.project().openFile(files.front());
    else if (code.isEmpty() && !parser.isSet(screenshot))
        window.project().offerRecovery();
    if (!code.isEmpty() || parser.isSet(screenshot)) {
        auto* tasks = new qk::app::StartupTasks(host, window, code, parser.value(screenshot));
        if (parser.isSet(screenshot)) {
            QObject::connect(tasks, &qk::app::StartupTasks::finished, &app,
                             [](bool ok) { QApplication::exit(ok ? 0 : 1); });
        }
        tasks->start();
    }
    return QApplication::exec();
}
