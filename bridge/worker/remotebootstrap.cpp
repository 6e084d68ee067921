// SPDX-License-Identifier: GPL-3.0-or-later
// What RemoteWorker and one-off requests share: ssh's arguments, the worker package and the
// bootstrap's input.
#include "bridge/worker/remotepackage.h"
#include "bridge/worker/remoteworker.h"
#include "bridge/worker/workerprocess.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>

#include <unistd.h>

namespace qk {

namespace {

// What ssh runs on the remote host: reads the bootstrap's size and source from stdin and
// runs it. It holds nothing secret.
constexpr char kStub[] = "import sys;b=sys.stdin.buffer;exec(b.read(int(b.readline())))";

QString shellQuote(const QString& word) {
    QString quoted = word;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

} // namespace

RemotePackage workerPackage(const WorkerOptions& options) {
    RemotePackage package;
    for (const QString& entry : WorkerProcess::resolvePythonPath(options)) {
        const QDir dir(entry);
        if (!QFileInfo::exists(dir.filePath(QStringLiteral("qtkeras_worker/bootstrap.py"))))
            continue;
        QByteArray records;
        auto add = [&records](const QString& name, const QString& path) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return false;
            const QByteArray data = file.readAll();
            records += name.toUtf8() + '\0' + QByteArray::number(data.size()) + '\0' + data;
            return true;
        };
        const QDir sources(dir.filePath(QStringLiteral("qtkeras_worker")));
        for (const QString& name :
             sources.entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name)) {
            if (!add(QStringLiteral("qtkeras_worker/") + name, sources.filePath(name)))
                return {};
        }
        add(QStringLiteral("requirements.txt"), dir.filePath(QStringLiteral("requirements.txt")));
        package.hash = QCryptographicHash::hash(records, QCryptographicHash::Sha256).toHex();
        // qCompress puts the size in 4 bytes before the zlib stream.
        package.bytes = qCompress(records, 6).mid(4);
        package.bootstrap = sources.filePath(QStringLiteral("bootstrap.py"));
        return package;
    }
    return {};
}

std::optional<SshTarget> SshTarget::parse(const QString& url, QString* error) {
    auto refuse = [error](const QString& why) -> std::optional<SshTarget> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (!url.startsWith(QLatin1String("ssh://")))
        return refuse(QStringLiteral("a remote worker is named ssh://[user@]host[:port]"));
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || !parsed.password().isEmpty() || !parsed.path().isEmpty() ||
        parsed.hasQuery() || parsed.hasFragment())
        return refuse(QStringLiteral("%1 is not of the form ssh://[user@]host[:port] (no "
                                     "password: ssh's keys or agent authenticate)")
                          .arg(url));
    SshTarget target;
    target.user = parsed.userName();
    target.host = parsed.host();
    target.port = std::max(0, parsed.port(0));
    static const QRegularExpression hostName(QStringLiteral("\\A[A-Za-z0-9_.:%-]+\\z"));
    static const QRegularExpression userName(QStringLiteral("\\A[A-Za-z0-9_.-]*\\z"));
    if (target.host.isEmpty() || target.host.startsWith(u'-') ||
        !hostName.match(target.host).hasMatch())
        return refuse(QStringLiteral("%1 names no host ssh can take").arg(url));
    if (target.user.startsWith(u'-') || !userName.match(target.user).hasMatch())
        return refuse(QStringLiteral("%1 names a user ssh cannot take").arg(url));
    return target;
}

QString SshTarget::toString() const {
    QString text = QStringLiteral("ssh://");
    if (!user.isEmpty())
        text += user + u'@';
    text += host.contains(u':') ? u'[' + host + u']' : host;
    if (port > 0)
        text += u':' + QString::number(port);
    return text;
}

QStringList RemoteWorker::sshArguments(const WorkerOptions& options, const SshTarget& target) {
    QStringList args{QStringLiteral("-T"),
                     QStringLiteral("-o"),
                     QStringLiteral("BatchMode=yes"),
                     QStringLiteral("-o"),
                     QStringLiteral("StrictHostKeyChecking=yes"),
                     QStringLiteral("-o"),
                     QStringLiteral("ServerAliveInterval=5"),
                     QStringLiteral("-o"),
                     QStringLiteral("ServerAliveCountMax=3"),
                     QStringLiteral("-o"),
                     QStringLiteral("ConnectTimeout=20"),
                     QStringLiteral("-o"),
                     QStringLiteral("ExitOnForwardFailure=yes")};
    args << options.sshArguments;
    if (target.port > 0)
        args << QStringLiteral("-p") << QString::number(target.port);
    if (!target.user.isEmpty())
        args << QStringLiteral("-l") << target.user;
    args << QStringLiteral("--") << target.host;
    return args;
}

QByteArray RemoteWorker::bootstrapInput(const WorkerOptions& options, const QByteArray& request,
                                        const QByteArray& payload) {
    const RemotePackage package = workerPackage(options);
    QFile file(package.bootstrap);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray source = file.readAll();
    return QByteArray::number(source.size()) + '\n' + source + request + '\n' + payload;
}

QString RemoteWorker::remoteCommand(const WorkerOptions& options) {
    const QString python = options.python.isEmpty() ? QStringLiteral("python3") : options.python;
    return shellQuote(python) + QStringLiteral(" -c ") + shellQuote(QString::fromLatin1(kStub));
}

QProcess* RemoteWorker::runRequest(const WorkerOptions& options, const QByteArray& request,
                                   QObject* parent, QString* error, bool withPackage) {
    const std::optional<SshTarget> target = SshTarget::parse(options.remote, error);
    if (!target)
        return nullptr;
    QByteArray line = request;
    QByteArray payload;
    if (withPackage) {
        const RemotePackage package = workerPackage(options);
        nlohmann::json parsed =
            nlohmann::json::parse(request.constBegin(), request.constEnd(), nullptr, false);
        if (!package.hash.isEmpty() && parsed.is_object()) {
            parsed["package"] = {{"hash", package.hash.toStdString()},
                                 {"bytes", package.bytes.size()}};
            line = QByteArray::fromStdString(parsed.dump());
            payload = package.bytes;
        }
    }
    const QByteArray input = bootstrapInput(options, line, payload);
    if (input.isEmpty()) {
        if (error)
            *error = QStringLiteral("the worker's Python sources (qtkeras_worker/bootstrap.py) "
                                    "are not on the worker's Python path");
        return nullptr;
    }
    auto* process = new QProcess(parent);
    process->setChildProcessModifier([] { ::setsid(); });
    process->start(QStringLiteral("ssh"), sshArguments(options, *target) << remoteCommand(options));
    process->write(input);
    process->closeWriteChannel();
    return process;
}

} // namespace qk
