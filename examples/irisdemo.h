// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/traininghistory.h"

#include <QString>

#include <functional>
#include <vector>

namespace qk {
class Session;
}

namespace qk::examples {

// The outcome of the paper's running example: a 4-16-3 network trained on iris.
struct IrisResult {
    double testAccuracy = 0;
    double testLoss = 0;
    int epochs = 0;
    qint64 params = 0;
    qint64 trainRows = 0;
    qint64 testRows = 0;
    double trainSeconds = 0;
    QString script; // the session's model, compile and training as a standalone script
};

struct IrisOptions {
    int epochs = 100;
    std::uint64_t seed = 42; // the stratified 80/20 split
    // Model replicas the data is split across (devices of a data-parallel distribution):
    // with more than one, batches hold 8 rows per replica and the training and test rows are
    // cut to multiples of it, so that every batch splits evenly.
    int replicas = 1;
    // Called on the session's thread after each epoch.
    std::function<void(int epoch, int epochs, const QMap<QString, double>& logs)> onEpoch;
};

// Builds, trains and evaluates the iris network in `session` (DESIGN.md's running example):
// iris from the shipped CSV, standardized, one-hot labels, a stratified 20 % test split.
// Throws qk::CommandError when a command fails.
IrisResult runIris(Session& session, const IrisOptions& options = {});
// The same in every process of a job (the sessions' workers have joined it and share one
// distribution): every command goes to every session before any is waited on; the result and
// the epochs reported are process 0's.
IrisResult runIris(const std::vector<Session*>& sessions, const IrisOptions& options);

// `qtkeras --demo iris --headless [--json] [--epochs N] [--devices N] [--processes N]`: runs
// the example without a display, progress on stderr and, with --json, a last stdout line of
// JSON (test_accuracy, test_loss, epochs, keras_version, backend, seconds, devices,
// processes, distribution, worker_host, ...). --devices trains data-parallel on N devices
// (simulated CPU devices when there is no accelerator), --processes in a JAX job of N worker
// processes on this host. Returns the process exit code.
int runHeadlessDemo(int argc, char* argv[]);

// True when the command line asks for the headless demo (checked before any QApplication).
bool wantsHeadlessDemo(int argc, char* argv[]);

} // namespace qk::examples
