// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real OpenSSH server on 127.0.0.1 for tests of remote workers: its own port, host key,
// client key, authorized_keys and known_hosts in a temporary folder, and a client
// configuration (ssh -F) that uses only them. Sessions it starts get XDG_CACHE_HOME and
// XDG_DATA_HOME in the same folder, so a "remote" worker's files are the test's to inspect.
#include <QDir>
#include <QFile>
#include <QHash>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <csignal>
#include <memory>

#include <pwd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace qk::test {

class SshServer {
public:
    SshServer() = default;
    SshServer(const SshServer&) = delete;
    SshServer& operator=(const SshServer&) = delete;
    ~SshServer() { stop(); }

    // Makes the keys and configuration and starts sshd; false with the reason in error().
    bool start() {
        if (!m_dir.isValid())
            return failed(QStringLiteral("no temporary folder"));
        if (!QFile::exists(sshd()))
            return failed(QStringLiteral("%1 is missing: install openssh-server "
                                         "(scripts/setup.sh does)")
                              .arg(sshd()));
        // As root, sshd separates privileges into this folder, which its service makes.
        if (::geteuid() == 0 && !QDir().mkpath(QStringLiteral("/run/sshd")))
            return failed(QStringLiteral("cannot make /run/sshd"));
        if (!keygen(path("host_key")) || !keygen(path("client_key")) || !keygen(path("other_key")))
            return failed(QStringLiteral("ssh-keygen failed"));
        QFile::copy(path("client_key.pub"), path("authorized_keys"));
        m_port = freePort();
        writeKnownHosts(path("host_key.pub"));
        const passwd* user = ::getpwuid(::geteuid());
        write(path("ssh_config"), QStringLiteral("Host *\n"
                                                 "  User %1\n"
                                                 "  IdentityFile %2\n"
                                                 "  IdentitiesOnly yes\n"
                                                 "  UserKnownHostsFile %3\n"
                                                 "  GlobalKnownHostsFile /dev/null\n"
                                                 "  LogLevel ERROR\n")
                                      .arg(QString::fromLocal8Bit(user ? user->pw_name : "root"),
                                           path("client_key"), path("known_hosts"))
                                      .toUtf8());
        write(path("sshd_config"),
              QStringLiteral("Port %1\n"
                             "ListenAddress 127.0.0.1\n"
                             "HostKey %2\n"
                             "AuthorizedKeysFile %3\n"
                             "PidFile none\n"
                             "UsePAM no\n"
                             "StrictModes no\n"
                             "PasswordAuthentication no\n"
                             "KbdInteractiveAuthentication no\n"
                             "PubkeyAuthentication yes\n"
                             "PermitRootLogin prohibit-password\n"
                             "AllowTcpForwarding local\n"
                             "X11Forwarding no\n"
                             "PrintMotd no\n"
                             "LogLevel FATAL\n"
                             "SetEnv XDG_CACHE_HOME=%4 XDG_DATA_HOME=%5\n")
                  .arg(m_port)
                  .arg(path("host_key"), path("authorized_keys"), cacheHome(), path("remote-data"))
                  .toUtf8());
        return listen();
    }

    // Starts the listener again (after dropConnections) on the same port.
    bool listen() {
        m_sshd = std::make_unique<QProcess>();
        // Its log to a file: the test's own stderr, held open by an sshd that outlives a test
        // that crashed, would keep ctest waiting for the end of the output until its timeout.
        // And the listener ends with the test.
        m_sshd->setStandardErrorFile(path("sshd.log"), QIODevice::Append);
        m_sshd->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_sshd->start(sshd(), {QStringLiteral("-D"), QStringLiteral("-e"), QStringLiteral("-f"),
                               path("sshd_config")});
        if (!m_sshd->waitForStarted(10000))
            return failed(QStringLiteral("sshd did not start: ") + m_sshd->errorString());
        for (int i = 0; i < 1000; ++i) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(1000))
                return true;
            if (m_sshd->state() == QProcess::NotRunning)
                return failed(QStringLiteral("sshd exited at start"));
            QThread::msleep(10);
        }
        return failed(QStringLiteral("sshd does not accept connections"));
    }

    // Drops every connection as a network failure would, and stops listening: the
    // listener ends, and so do the sshd processes that serve each connection; the processes
    // of the sessions (remote workers) lose their connection and stay.
    void dropConnections() { stop(); }

    void stop() {
        if (!m_sshd)
            return;
        // Once the listener is gone its children belong to another parent: find them first.
        const QList<qint64> servers = sshdDescendants(m_sshd->processId());
        m_sshd->terminate();
        m_sshd->waitForFinished(5000);
        m_sshd.reset();
        for (const qint64 pid : servers)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    }

    // known_hosts names another key for the server: ssh must refuse it.
    void forgeHostKey() { writeKnownHosts(path("other_key.pub")); }

    QString url() const { return QStringLiteral("ssh://127.0.0.1:%1").arg(m_port); }
    quint16 port() const { return m_port; }
    QStringList clientArguments() const { return {QStringLiteral("-F"), path("ssh_config")}; }
    // The remote side's ~/.cache (workers/<run>/ and pkg/ below qtkeras/).
    QString cacheHome() const { return path("remote-cache"); }
    QString error() const { return m_error; }

private:
    static QString sshd() { return QStringLiteral("/usr/sbin/sshd"); }

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    bool failed(const QString& why) {
        m_error = why;
        return false;
    }

    static bool keygen(const QString& file) {
        QProcess keygen;
        keygen.start(QStringLiteral("ssh-keygen"),
                     {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                      QStringLiteral("-N"), QString(), QStringLiteral("-f"), file});
        return keygen.waitForFinished(30000) && keygen.exitCode() == 0;
    }

    static void write(const QString& file, const QByteArray& data) {
        QFile out(file);
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate))
            out.write(data);
    }

    void writeKnownHosts(const QString& publicKey) {
        QFile key(publicKey);
        if (!key.open(QIODevice::ReadOnly))
            return;
        const QList<QByteArray> fields = key.readAll().trimmed().split(' ');
        write(path("known_hosts"), "[127.0.0.1]:" + QByteArray::number(m_port) + ' ' +
                                       fields.value(0) + ' ' + fields.value(1) + '\n');
    }

    static quint16 freePort() {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        return probe.serverPort();
    }

    // The sshd processes below the listener, at any depth.
    static QList<qint64> sshdDescendants(qint64 root) {
        QMultiHash<qint64, qint64> children;
        QHash<qint64, QByteArray> names;
        const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
        for (const QString& entry : entries) {
            bool number = false;
            const qint64 pid = entry.toLongLong(&number);
            if (!number)
                continue;
            QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
            if (!stat.open(QIODevice::ReadOnly))
                continue;
            const QByteArray text = stat.readAll();
            // pid (comm) state ppid ...: comm may hold spaces, so look after the last ')'.
            const qsizetype open = text.indexOf('(');
            const qsizetype close = text.lastIndexOf(')');
            const QList<QByteArray> fields = text.mid(close + 2).split(' ');
            if (open < 0 || close < open || fields.size() < 2)
                continue;
            names.insert(pid, text.mid(open + 1, close - open - 1));
            children.insert(fields.at(1).toLongLong(), pid);
        }
        QList<qint64> found;
        QList<qint64> pending{root};
        while (!pending.isEmpty()) {
            const qint64 pid = pending.takeLast();
            for (const qint64 child : children.values(pid)) {
                if (names.value(child).startsWith("sshd")) {
                    found << child;
                    pending << child;
                }
            }
        }
        return found;
    }

    QTemporaryDir m_dir{QDir::tempPath() + QStringLiteral("/qk-sshd-XXXXXX")};
    std::unique_ptr<QProcess> m_sshd;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace qk::test
