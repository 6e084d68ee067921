// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"
#include "app/projectsettings.h"
#include "bridge/keras/layer.h"
#include "bridge/keras/traininghistory.h"

#include <QColor>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace qk::app {

// One training run as saved: how it ended, every metric series and the seconds of each epoch.
struct SavedRun {
    QString name;
    bool shown = true;
    std::optional<int> plannedEpochs;
    keras::TrainingHistory::Outcome outcome = keras::TrainingHistory::Outcome::Finished;
    QString reason; // why it stopped, failed or was lost
    QColor colour;  // invalid: the history view picks one
    QStringList metrics;
    QMap<QString, QList<double>> series;
    QList<double> epochSeconds;

    friend bool operator==(const SavedRun&, const SavedRun&) = default;
};

// Everything a project file holds: the network, how it is compiled and trained, its data,
// its training runs and how the history charts show them.
struct Project {
    std::vector<keras::Layer> layers; // a Sequential model
    bool isGraph = false;             // a functional graph instead (format version 2)
    ModelGraph graph;
    // The .keras file whose weights the model starts from: the file it was imported from,
    // while it is as imported; empty for fresh weights ("model": {"weights_from": ...}, which
    // versions that do not know it pass over).
    QString weightsFrom;
    CompileSettings compile;
    TrainingSettings training;
    DataSource data;
    std::vector<SavedRun> runs;
    double smoothing = 0.0;
};

// Where an autosaved copy of a project comes from: recovery files carry it beside the project.
struct RecoveryInfo {
    QString originalPath; // empty when the project was never saved
    QDateTime savedAt;
    qint64 pid = 0;

    friend bool operator==(const RecoveryInfo&, const RecoveryInfo&) = default;
};

// The versioned JSON project file ("format": "qtkeras-project"). Reading never half-succeeds:
// a file that is not a project, is damaged or was written by a newer version gives an error.
// Version 2 adds the functional graph ("model": {"kind": "graph", "graph": {...}}); version 1
// files (a layer list) still open.
class ProjectFile {
public:
    static constexpr int Version = 2;

    // With `recovery`, the file is a recovery file: the project and where it comes from.
    static QByteArray toBytes(const Project& project, const RecoveryInfo* recovery = nullptr);
    // Reads `recovery` too when the file has it.
    static std::optional<Project> fromBytes(const QByteArray& bytes, QString* error = nullptr,
                                            RecoveryInfo* recovery = nullptr);

    // Atomic: the old file stays until the new one is complete.
    static bool write(const QString& path, const Project& project, QString* error = nullptr,
                      const RecoveryInfo* recovery = nullptr);
    static std::optional<Project> read(const QString& path, QString* error = nullptr,
                                       RecoveryInfo* recovery = nullptr);

    // A graph alone (the clipboard's sub-graphs), in the project's JSON for graphs.
    static QByteArray graphToBytes(const ModelGraph& graph);
    static std::optional<ModelGraph> graphFromBytes(const QByteArray& bytes);
};

} // namespace qk::app
