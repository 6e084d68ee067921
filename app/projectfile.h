#pragma once

#include "app/projectsettings.h"
#include "bridge/keras/layer.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace qk::app {

// One training run as saved: every metric series and the seconds of each epoch.
struct SavedRun {
    QString name;
    bool shown = true;
    std::optional<int> plannedEpochs;
    bool stoppedEarly = false;
    QStringList metrics;
    QMap<QString, QList<double>> series;
    QList<double> epochSeconds;

    friend bool operator==(const SavedRun&, const SavedRun&) = default;
};

// Everything a project file holds: the network, how it is compiled and trained, its data,
// its training runs and how the history charts show them.
struct Project {
    std::vector<keras::Layer> layers;
    CompileSettings compile;
    TrainingSettings training;
    DataSource data;
    std::vector<SavedRun> runs;
    double smoothing = 0.0;
};

// The versioned JSON project file ("format": "qtkeras-project"). Reading never half-succeeds:
// a file that is not a project, is damaged or was written by a newer version gives an error.
class ProjectFile {
public:
    static constexpr int Version = 1;

    static QByteArray toBytes(const Project& project);
    static std::optional<Project> fromBytes(const QByteArray& bytes, QString* error = nullptr);

    static bool write(const QString& path, const Project& project, QString* error = nullptr);
    static std::optional<Project> read(const QString& path, QString* error = nullptr);
};

} // namespace qk::app
