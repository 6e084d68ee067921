// The QtKeras executable: the IDE's main window on a session with a local worker.
#include "app/irisguidemo.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/sessionhost.h"
#include "app/startuptasks.h"
#include "app/workersettings.h"
#include "examples/irisdemo.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[]) {
    // Without a window (and without a display): `qtkeras --demo iris --headless --json`.
    if (qk::examples::wantsHeadlessDemo(argc, argv))
        return qk::examples::runHeadlessDemo(argc, argv);
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
        QStringLiteral("Write the window to FILE once the start-up code has run, and exit."),
        QStringLiteral("file"));
    parser.addOptions({demo, exec, screenshot});
    parser.process(app);

    qk::SessionOptions options;
    options.worker = qk::app::savedWorkerOptions();
    qk::app::SessionHost host(options);
    qk::app::MainWindow window(host);
    window.show();

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
    // Projects that a crashed QtKeras left unsaved; not when the start-up is scripted.
    if (code.isEmpty() && !parser.isSet(screenshot))
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
