// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/autosave.h"

#include "app/document.h"
#include "app/setting.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QStandardPaths>

#include <atomic>

namespace qk::app {

namespace {

const Setting<int> intervalSetting{"project/autosaveSeconds", 60};
const QString suffix = QStringLiteral(".qtkeras");
const QString lockSuffix = QStringLiteral(".lock");

// Lock files whose holders are gone count as stale at once, however old they are.
std::unique_ptr<QLockFile> lockFor(const QString& recoveryPath) {
    auto lock = std::make_unique<QLockFile>(recoveryPath + lockSuffix);
    lock->setStaleLockTime(0);
    return lock;
}

} // namespace

Autosave::Autosave(Document& document, std::function<Project()> capture, QObject* parent)
    : QObject(parent)
    , m_document(document)
    , m_capture(std::move(capture))
    , m_directory(defaultDirectory())
    , m_intervalSeconds(defaultIntervalSeconds()) {
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (m_document.isModified())
            saveNow();
    });
    connect(&document, &Document::modifiedChanged, this, &Autosave::onModifiedChanged);
    setIntervalSeconds(m_intervalSeconds);
}

Autosave::~Autosave() {
    discard();
}

QString Autosave::defaultDirectory() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("recovery"));
}

int Autosave::defaultIntervalSeconds() {
    return intervalSetting.value();
}

void Autosave::setDefaultIntervalSeconds(int seconds) {
    intervalSetting.setValue(seconds);
}

void Autosave::setDirectory(const QString& directory) {
    discard();
    m_directory = directory;
}

void Autosave::setIntervalSeconds(int seconds) {
    m_intervalSeconds = qMax(0, seconds);
    m_timer.setInterval(m_intervalSeconds * 1000);
    if (m_intervalSeconds > 0 && m_document.isModified())
        m_timer.start();
    else
        m_timer.stop();
}

QString Autosave::filePath() const {
    return m_path;
}

void Autosave::onModifiedChanged(bool modified) {
    if (modified) {
        if (m_intervalSeconds > 0)
            m_timer.start();
        return;
    }
    m_timer.stop();
    discard();
}

bool Autosave::claimFile(QString* error) {
    static std::atomic<int> next{1};
    if (!QDir().mkpath(m_directory)) {
        if (error)
            *error = tr("Cannot create the folder %1").arg(QDir::toNativeSeparators(m_directory));
        return false;
    }
    const qint64 pid = QCoreApplication::applicationPid();
    for (int attempt = 0; attempt < 100; ++attempt) {
        const QString path =
            QDir(m_directory).filePath(QStringLiteral("%1-%2").arg(pid).arg(next++) + suffix);
        // A file of an earlier process with the same pid is an orphan to keep, not to reuse.
        if (QFile::exists(path) || QFile::exists(path + lockSuffix))
            continue;
        std::unique_ptr<QLockFile> lock = lockFor(path);
        if (lock->tryLock(0)) {
            m_lock = std::move(lock);
            m_path = path;
            return true;
        }
        if (lock->error() != QLockFile::LockFailedError)
            break;
    }
    if (error)
        *error =
            tr("Cannot create a recovery file in %1").arg(QDir::toNativeSeparators(m_directory));
    return false;
}

bool Autosave::saveNow(QString* error) {
    const Project project = m_capture();
    const QByteArray bytes = ProjectFile::toBytes(project);
    if (!m_path.isEmpty() && bytes == m_written && QFile::exists(m_path))
        return true;
    QString reason;
    bool ok = !m_path.isEmpty() || claimFile(&reason);
    if (ok) {
        const RecoveryInfo info{m_document.fileName(), QDateTime::currentDateTime(),
                                QCoreApplication::applicationPid()};
        ok = ProjectFile::write(m_path, project, &reason, &info);
    }
    if (!ok) {
        if (error)
            *error = reason;
        if (!m_failing)
            Q_EMIT failed(tr("Autosave failed: %1").arg(reason));
        m_failing = true;
        return false;
    }
    m_failing = false;
    m_written = bytes;
    Q_EMIT saved(m_path);
    return true;
}

void Autosave::discard() {
    if (!m_path.isEmpty())
        QFile::remove(m_path);
    release();
}

void Autosave::release() {
    m_lock.reset(); // unlocks: the lock file goes
    m_path.clear();
    m_written.clear();
}

std::vector<RecoveryFile> Autosave::orphans(const QString& directory) {
    std::vector<RecoveryFile> files;
    const QDir dir(directory);
    const QFileInfoList entries =
        dir.entryInfoList({QLatin1Char('*') + suffix}, QDir::Files, QDir::Time);
    for (const QFileInfo& entry : entries) {
        std::shared_ptr<QLockFile> claim = lockFor(entry.absoluteFilePath());
        if (!claim->tryLock(0))
            continue; // its window is still open, here or in another QtKeras
        RecoveryFile file;
        file.path = entry.absoluteFilePath();
        file.claim = std::move(claim);
        file.project = ProjectFile::read(file.path, &file.error, &file.info);
        if (!file.info.savedAt.isValid())
            file.info.savedAt = entry.lastModified();
        if (file.info.pid == 0)
            file.info.pid = entry.completeBaseName().section(QLatin1Char('-'), 0, 0).toLongLong();
        files.push_back(std::move(file));
    }
    // Lock files of processes that died before their first write.
    const QFileInfoList locks =
        dir.entryInfoList({QLatin1Char('*') + suffix + lockSuffix}, QDir::Files | QDir::Hidden);
    for (const QFileInfo& entry : locks) {
        const QString recovery = entry.absoluteFilePath().chopped(lockSuffix.size());
        if (!QFile::exists(recovery))
            lockFor(recovery)->tryLock(0); // a stale one is taken and removed again at once
    }
    return files;
}

bool Autosave::remove(RecoveryFile& file, QString* error) {
    QFile recovery(file.path);
    if (recovery.exists() && !recovery.remove()) {
        if (error)
            *error = tr("Cannot remove %1: %2")
                         .arg(QDir::toNativeSeparators(file.path), recovery.errorString());
        return false;
    }
    file.claim.reset();
    return true;
}

} // namespace qk::app
