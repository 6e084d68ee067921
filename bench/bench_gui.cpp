// SPDX-License-Identifier: GPL-3.0-or-later
// The GUI thread during live training: the IDE's training-history inspector follows the iris
// model's fit() for 1,000 epochs through the qk::keras API, on the offscreen platform
// unless QT_QPA_PLATFORM says otherwise. A 1 ms repeating timer probes the event loop; its
// lateness is the stall. Prints one JSON line of figures on stdout.
#include "bench/benchsupport.h"
#include "bench/iristraining.h"

#include "bridge/session/session.h"
#include "inspectors/traininghistoryview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFutureWatcher>
#include <QTimer>

#include <memory>

#include <time.h>

using namespace qk;
using namespace qk::bench;

namespace {

// The window under test: the IDE's training-history inspector, following each fit() live.
struct WindowUnderTest {
    std::unique_ptr<inspectors::TrainingHistoryView> view =
        std::make_unique<inspectors::TrainingHistoryView>();
    QWidget* widget() const { return view.get(); }
    void follow(const keras::Training& training) { view->addRun(training.history()); }
    int redraws() const { return view->redrawCount(); }
};

// CPU time of the calling thread.
double threadCpuSeconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Measures how late a 1 ms repeating timer fires: each lateness is an event-loop stall.
class StallProbe : public QObject {
public:
    StallProbe() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const double t = now(), cpu = threadCpuSeconds();
            const double stall = std::max(0.0, t - m_last - 0.001);
            if (stall > m_largest) {
                m_largest = stall;
                m_largestAt = m_last - m_start;
                m_largestCpu = cpu - m_lastCpu;
            }
            m_lastCpu = cpu;
            m_stalls.push_back(stall);
            m_last = t;
        });
    }
    void start() {
        m_stalls.clear();
        m_largest = m_largestAt = m_largestCpu = 0;
        m_start = m_last = now();
        m_lastCpu = threadCpuSeconds();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    Json figures(const std::string& prefix) const {
        return {{prefix + "p99_ms", percentile(m_stalls, 0.99) * 1e3},
                {prefix + "max_ms", m_largest * 1e3},
                {prefix + "max_at_s", m_largestAt},
                {prefix + "max_cpu_ms", m_largestCpu * 1e3},
                {prefix + "ticks", m_stalls.size()}};
    }

private:
    QTimer m_timer;
    double m_start = 0;
    double m_last = 0;
    double m_largest = 0;
    double m_largestAt = 0;  // seconds after start() when the largest stall began
    double m_largestCpu = 0; // CPU time the GUI thread spent in it (the rest: other processes)
    double m_lastCpu = 0;
    std::vector<double> m_stalls;
};

// Runs the event loop for `ms` milliseconds.
void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("GUI-thread stalls during live training"));
    parser.addHelpOption();
    const QCommandLineOption epochsOption(QStringLiteral("epochs"),
                                          QStringLiteral("Epochs to train."), QStringLiteral("n"),
                                          QStringLiteral("1000"));
    parser.addOption(epochsOption);
    parser.process(app);
    const int epochs = parser.value(epochsOption).toInt();

    try {
        Session session(workerOptions());
        await(session.ready());
        await(session.run(QStringLiteral("import keras")));
        const IrisData iris = loadIris(sourcePath("resources/data/iris.csv"));
        WindowUnderTest window;
        window.widget()->resize(1200, 800);
        window.widget()->show();

        // The same probe with nothing to do: what the machine's scheduler alone costs.
        StallProbe probe;
        probe.start();
        runFor(2000);
        probe.stop();
        Json figures = probe.figures("gui_idle_stall_");

        const double start = now();
        probe.start();
        const IrisRun run = trainIris(session, iris, epochs, 16);
        window.follow(run.training);
        await(run.training.future());
        probe.stop();
        const double seconds = now() - start;
        runFor(100); // the last redraw
        figures.update(probe.figures("gui_stall_"));
        figures["gui_epochs"] = epochs;
        figures["gui_train_s"] = seconds;
        figures["gui_redraws"] = window.redraws();
        figures["gui_epochs_drawn"] = run.training.history()->epochCount();
        progress(QStringLiteral("%1 epochs in %2 s; GUI stall p99 %3 ms, max %4 ms")
                     .arg(epochs)
                     .arg(seconds, 0, 'f', 1)
                     .arg(figures["gui_stall_p99_ms"].get<double>(), 0, 'f', 2)
                     .arg(figures["gui_stall_max_ms"].get<double>(), 0, 'f', 2));
        printFigures(figures);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gui: %s\n", e.what());
        return 1;
    }
    return 0;
}
