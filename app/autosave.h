// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/projectfile.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QLockFile;

namespace qk::app {

class Document;

// A recovery file left by a window whose process is gone (it crashed or was killed). While
// this process holds the claim, no other QtKeras offers the same file.
struct RecoveryFile {
    QString path;
    RecoveryInfo info;              // savedAt is the file's time when it cannot be read
    std::optional<Project> project; // nullopt when the file cannot be read
    QString error;                  // why it cannot be read
    std::shared_ptr<QLockFile> claim;

    bool isReadable() const { return project.has_value(); }
};

// Writes the window's project to a recovery file while it has unsaved changes, every
// intervalSeconds(), in the project file format (atomically). The file is
// <directory>/<pid>-<n>.qtkeras, held by a lock file while the window lives, and goes away
// when the project is saved, its changes are discarded or the window closes; after a crash it
// stays for orphans() to find.
class Autosave : public QObject {
    Q_OBJECT
public:
    // `capture` gives the project as it would be saved.
    Autosave(Document& document, std::function<Project()> capture, QObject* parent = nullptr);
    ~Autosave() override;

    // QStandardPaths::AppDataLocation/recovery.
    static QString defaultDirectory();
    // The interval for new windows (the setting project/autosaveSeconds, 60 by default).
    static int defaultIntervalSeconds();
    static void setDefaultIntervalSeconds(int seconds);

    const QString& directory() const { return m_directory; }
    void setDirectory(const QString& directory);
    int intervalSeconds() const { return m_intervalSeconds; }
    // 0 turns autosave off.
    void setIntervalSeconds(int seconds);
    // Whether a write is due at the end of the interval (there are unsaved changes).
    bool isScheduled() const { return m_timer.isActive(); }

    // The recovery file; empty before the first write.
    QString filePath() const;
    // Writes the project now if it changed since the last write; false, with the reason, when
    // the file cannot be written.
    bool saveNow(QString* error = nullptr);
    // Removes the recovery file (the project was saved, or its changes discarded).
    void discard();

    // Recovery files in `directory` whose windows' processes are gone, newest first, each
    // claimed for this process until the RecoveryFile is dropped.
    static std::vector<RecoveryFile> orphans(const QString& directory = defaultDirectory());
    // Deletes an orphan's file and releases it.
    static bool remove(RecoveryFile& file, QString* error = nullptr);

Q_SIGNALS:
    void saved(const QString& path);
    void failed(const QString& message);

private:
    void onModifiedChanged(bool modified);
    bool claimFile(QString* error);
    void release();

    Document& m_document;
    std::function<Project()> m_capture;
    QString m_directory;
    int m_intervalSeconds;
    QTimer m_timer;
    std::unique_ptr<QLockFile> m_lock;
    QString m_path;
    QByteArray m_written; // the project last written, to skip unchanged writes
    bool m_failing = false;
};

} // namespace qk::app
