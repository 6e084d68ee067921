// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Measurements of the test process and its worker for the reliability tests: memory, CPU
// time, file descriptors, threads and listening sockets, read from /proc.
#include "support/testsupport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>

#include <csignal>
#include <fstream>

#include <malloc.h>
#include <sys/resource.h>

namespace qk::test {

// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or -1 when the process is gone.
// Bytes the process's heap holds in live allocations, all arenas together: what a leak
// raises, unlike RSS, which also holds freed pages that the allocator keeps.
inline qint64 heapInUseKb() {
    const struct mallinfo2 info = mallinfo2();
    return static_cast<qint64>((info.uordblks + info.hblkhd) / 1024);
}

inline qint64 statusKb(qint64 pid, const char* field) {
    QFile file(pid == 0 ? QStringLiteral("/proc/self/status")
                        : QStringLiteral("/proc/%1/status").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// Resets the peak resident size of this process to its current size (VmHWM).
inline void resetPeakRss() {
    std::ofstream(QStringLiteral("/proc/self/clear_refs").toStdString()) << "5";
}

// CPU seconds used by this process and its reaped children.
inline double cpuSeconds() {
    auto seconds = [](int who) {
        rusage usage{};
        getrusage(who, &usage);
        return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    };
    return seconds(RUSAGE_SELF) + seconds(RUSAGE_CHILDREN);
}

inline int entriesOf(const QString& dir) {
    return static_cast<int>(QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size());
}
inline int openFds() {
    return entriesOf(QStringLiteral("/proc/self/fd"));
}
inline int threads() {
    return entriesOf(QStringLiteral("/proc/self/task"));
}

// The TCP ports this process listens on.
inline QSet<int> listeningPorts() {
    QSet<QString> inodes;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    for (const QString& fd : fds.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
        const QString target = QFile::symLinkTarget(fds.filePath(fd));
        if (target.contains(QStringLiteral("socket:[")))
            inodes << target.section(u'[', 1).chopped(1);
    }
    QSet<int> ports;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        QFile file(QString::fromLatin1(table));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray& line : file.readAll().split('\n')) {
            const QList<QByteArray> f = line.simplified().split(' ');
            if (f.size() > 9 && f[3] == "0A" && inodes.contains(QString::fromLatin1(f[9])))
                ports << f[1].split(':').value(1).toInt(nullptr, 16);
        }
    }
    return ports;
}

// Whether the process is gone (or a zombie nobody reaped yet: it runs no code).
inline bool processGone(qint64 pid) {
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
        return true;
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return true;
    const QByteArray stat = file.readAll();
    const qsizetype paren = stat.lastIndexOf(')');
    return paren >= 0 && stat.mid(paren + 2, 1) == "Z";
}

// Counts how often each future settles (continuations run on the settling thread).
class SettleCounter {
public:
    explicit SettleCounter(std::size_t n)
        : m_counts(n) {}
    void watch(std::size_t i, QFuture<Value> future) {
        future.then([this, i](const Value&) { ++m_counts[i]; })
            .onFailed([this, i](const CommandError&) { ++m_counts[i]; });
    }
    int count(std::size_t i) const { return m_counts[i].load(); }
    std::size_t size() const { return m_counts.size(); }
    // The index of a future that settled other than once, or -1.
    qsizetype firstWrong() const {
        for (std::size_t i = 0; i < m_counts.size(); ++i) {
            if (m_counts[i].load() != 1)
                return static_cast<qsizetype>(i);
        }
        return -1;
    }

private:
    std::vector<std::atomic<int>> m_counts;
};

} // namespace qk::test
