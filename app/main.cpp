// The QtKeras executable. Until the IDE's panels land it shows the worker's status, which
// proves the whole bridge: the worker starts, answers a command and reports its versions.
#include "bridge/session/session.h"
#include "examples/irisdemo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLabel>
#include <QTimer>

int main(int argc, char* argv[]) {
    // Without a window (and without a display): `qtkeras --demo iris --headless --json`.
    if (qk::examples::wantsHeadlessDemo(argc, argv))
        return qk::examples::runHeadlessDemo(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QtKeras"));
    QApplication::setOrganizationName(QStringLiteral("QtKeras"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A Qt IDE for Keras"));
    parser.addHelpOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Run a demo (iris)."),
                                  QStringLiteral("name"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Write the window to FILE and exit."),
                                        QStringLiteral("file"));
    parser.addOptions({demo, screenshot});
    parser.process(app);

    QLabel window;
    window.setWindowTitle(QStringLiteral("QtKeras"));
    window.setAlignment(Qt::AlignCenter);
    window.setMargin(24);
    window.setText(QStringLiteral("Starting the Python worker…"));
    window.resize(640, 400);
    window.show();

    qk::Session session;
    auto finish = [&] {
        if (parser.isSet(screenshot)) {
            window.grab().save(parser.value(screenshot));
            QApplication::quit();
        }
    };
    session.ready()
        .then(&window,
              [&](const qk::WorkerInfo& info) {
                  session.run(QStringLiteral("import sys\nsys.version.split()[0]"))
                      .then(&window, [&, info](const qk::Value& version) {
                          window.setText(QStringLiteral("<h2>QtKeras</h2><p>Worker ready: Python "
                                                        "%1, Keras %2 on %3</p>")
                                             .arg(version.toString(), info.keras, info.backend));
                          finish();
                      });
              })
        .onFailed(&window, [&](const qk::WorkerError& error) {
            window.setText(QStringLiteral("The Python worker could not start:\n") + error.reason());
            finish();
        });
    return QApplication::exec();
}
