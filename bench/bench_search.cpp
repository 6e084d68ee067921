// SPDX-License-Identifier: GPL-3.0-or-later
// Hyper-parameter search over trial worker processes (keras::Search), with the real worker and
// KerasTuner: the same random search on iris (--trials trials of --epochs epochs, a Dense
// layer's units and the learning rate) with 1, 2 and 3 trial processes. Per run: the wall time
// until the result, the median trial (command sent until it ended), the median wait from a
// trial's start to its first epoch on the chart (a trial process builds the tuner and the
// model first), and the median gap a trial process spends between two trials (the chief's
// end_trial and next_trial round trips). Prints one JSON line of figures on stdout.
#include "bench/benchsupport.h"

#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "tests/support/irishypermodel.h"

#include <QCommandLineParser>
#include <QElapsedTimer>

#include <map>

using namespace qk;
using namespace qk::bench;
namespace K = qk::keras;

namespace {

struct TrialTimes {
    double started = 0;
    double firstEpoch = 0;
    double ended = 0;
    int worker = 0;
};

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption trialsOption(QStringLiteral("trials"), QStringLiteral("Trials."),
                                          QStringLiteral("n"), QStringLiteral("6"));
    const QCommandLineOption epochsOption(QStringLiteral("epochs"),
                                          QStringLiteral("Epochs per trial."), QStringLiteral("n"),
                                          QStringLiteral("20"));
    parser.addOptions({trialsOption, epochsOption});
    parser.process(app);
    const int trials = parser.value(trialsOption).toInt();
    const int epochs = parser.value(epochsOption).toInt();

    Session chief(workerOptions());
    await(chief.ready());
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 7;
    const K::PreparedData iris = K::Dataset::iris().prepare(prepare);

    Json figures;
    for (const int processes : {1, 2, 3}) {
        progress(QStringLiteral("%1 trials of %2 epochs on %3 trial process(es)")
                     .arg(trials)
                     .arg(epochs)
                     .arg(processes));
        K::SearchOptions options;
        options.maxTrials = trials;
        options.parallelTrials = processes;
        options.objective = QStringLiteral("val_loss");
        options.fit.epochs = epochs;
        options.fit.batchSize = 16;
        options.fit.validationSplit = 0.2;
        options.seed = 1;
        options.session = workerOptions();
        K::Search search(chief, qk::test::irisHyperModel(64), iris.xTrain, iris.yTrain, options);
        std::map<QString, TrialTimes> times;
        QObject::connect(&search, &K::Search::trialStarted, &search, [&](const K::Trial& trial) {
            TrialTimes& t = times[trial.id];
            t.started = now();
            t.worker = trial.worker;
            QObject::connect(trial.history.get(), &K::TrainingHistory::epochEnded, &search, [&t] {
                if (t.firstEpoch == 0)
                    t.firstEpoch = now();
            });
        });
        QObject::connect(&search, &K::Search::trialEnded, &search,
                         [&](const K::Trial& trial) { times[trial.id].ended = now(); });
        const double start = now();
        const K::SearchResult result = await(search.start());
        const double wall = now() - start;

        std::vector<double> trialSeconds;
        std::vector<double> firstEpochSeconds;
        std::vector<double> gaps;
        std::map<int, std::vector<TrialTimes>> byWorker;
        for (const auto& [id, t] : times) {
            trialSeconds.push_back(t.ended - t.started);
            if (t.firstEpoch > 0)
                firstEpochSeconds.push_back(t.firstEpoch - t.started);
            byWorker[t.worker].push_back(t);
        }
        for (auto& [worker, list] : byWorker) {
            std::sort(list.begin(), list.end(), [](const TrialTimes& a, const TrialTimes& b) {
                return a.started < b.started;
            });
            for (std::size_t i = 1; i < list.size(); ++i)
                gaps.push_back(list[i].started - list[i - 1].ended);
        }
        const std::string key = "search_" + std::to_string(processes) + "p_";
        figures[key + "wall_s"] = wall;
        figures[key + "trial_p50_s"] = median(trialSeconds);
        figures[key + "first_epoch_p50_s"] = median(firstEpochSeconds);
        figures[key + "gap_p50_ms"] = median(gaps) * 1000;
        figures[key + "trials"] = static_cast<int>(result.trials.size());
        progress(QStringLiteral("  %1 s, best %2 %3")
                     .arg(wall, 0, 'f', 1)
                     .arg(result.objective)
                     .arg(result.best ? *result.best->score : 0.0));
    }
    printFigures(figures);
    return 0;
}
