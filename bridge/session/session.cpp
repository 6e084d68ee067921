// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/session.h"

#include "bridge/session/commandregistry.h"
#include "bridge/session/releasequeue.h"
#include "bridge/session/sessioncore.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QThread>
#include <QUrl>

namespace qk {

namespace {

bool isIdentifier(const QString& name) {
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return pattern.match(name).hasMatch();
}

void registerMetaTypes() {
    qRegisterMetaType<qk::WorkerInfo>();
    qRegisterMetaType<qk::WorkerState>();
    qRegisterMetaType<qk::WorkerEvent>();
    qRegisterMetaType<qk::CommandInfo>();
    qRegisterMetaType<qk::CommandFailure>();
    qRegisterMetaType<qk::CommandState>();
}

} // namespace

QString workerStateName(WorkerState state) {
    switch (state) {
    case WorkerState::Starting:
        return QStringLiteral("starting");
    case WorkerState::Ready:
        return QStringLiteral("ready");
    case WorkerState::Busy:
        return QStringLiteral("busy");
    case WorkerState::Paused:
        return QStringLiteral("paused on error");
    case WorkerState::Dead:
        return QStringLiteral("dead");
    case WorkerState::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

Session::Session(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_events(new SessionEvents(this))
    , m_thread(new QThread(this))
    , m_registry(std::make_shared<CommandRegistry>())
    , m_releases(std::make_shared<ReleaseQueue>())
    , m_core(new SessionCore(std::move(options), m_registry, m_releases, m_events)) {
    registerMetaTypes();
    m_thread->setObjectName(QStringLiteral("qtkeras-transport"));
    m_core->moveToThread(m_thread);
    m_thread->start();
    QMetaObject::invokeMethod(m_core, &SessionCore::start, Qt::QueuedConnection);
}

Session::~Session() {
    QMetaObject::invokeMethod(
        m_core,
        [core = m_core] {
            core->shutdown();
            delete core;
        },
        Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
}

QFuture<WorkerInfo> Session::ready() const {
    return m_core->readyFuture();
}

WorkerState Session::workerState() const {
    return m_core->state();
}

WorkerInfo Session::workerInfo() const {
    return m_core->info();
}

QFuture<Value> Session::failedNow(const CommandInfo& info, const QString& reason) {
    QFuture<Value> future = m_registry->add(info);
    m_registry->fail(info.id, CommandError(CommandState::Failed, reason));
    return future;
}

QFuture<Value> Session::send(Command command) {
    if (command.id.isEmpty())
        command.id = QStringLiteral("c%1").arg(++m_nextId);
    CommandInfo info;
    info.id = command.id;
    info.code = command.code;
    info.shown = command.shown;
    info.shownLines = command.shownLines;
    info.submitted = QDateTime::currentDateTimeUtc();
    for (const auto& [name, value] : command.bindings) {
        info.bindingNames << name;
        info.bindingPreviews << value.toDisplayString(80);
    }
    for (const QString& name : std::as_const(info.bindingNames)) {
        if (!isIdentifier(name))
            return failedNow(info, QStringLiteral("'%1' is not a valid binding name").arg(name));
    }
    if (m_registry->info(command.id))
        return failedNow(info,
                         QStringLiteral("a command with id '%1' is still open").arg(command.id));
    QFuture<Value> future = m_registry->add(info);
    Q_EMIT m_events->commandChanged(info);
    const quint64 sequence = m_releases->noteSent();
    QMetaObject::invokeMethod(
        m_core,
        [core = m_core, command = std::move(command), sequence] {
            core->submit(command, sequence);
        },
        Qt::QueuedConnection);
    return future;
}

Reference Session::put(Value value) {
    const QString name = freshName();
    const QString type = kindName(value.kind());
    const QString repr = value.toDisplayString(80);
    Command command;
    command.bind(name, std::move(value));
    command.lifetime = BindingLifetime::Eternal;
    command.result = ResultMode::None;
    send(std::move(command));
    return Reference(name, type, repr, m_releases->hook());
}

QFuture<Value> Session::setVariable(const QString& name, Value value) {
    Command command;
    command.bind(name, std::move(value));
    command.lifetime = BindingLifetime::Eternal;
    command.result = ResultMode::None;
    return send(std::move(command));
}

QFuture<Value> Session::deleteVariables(const QStringList& names) {
    Value::List list;
    for (const QString& name : names)
        list.emplace_back(name);
    auto promise = std::make_shared<QPromise<Value>>();
    promise->start();
    QFuture<Value> future = promise->future();
    QMetaObject::invokeMethod(
        m_core,
        [core = m_core, body = Value::dict({{QStringLiteral("names"), Value(list)}}), promise] {
            core->request(QStringLiteral("POST"), QStringLiteral("/variables/delete"), body,
                          promise);
        },
        Qt::QueuedConnection);
    return future;
}

void Session::release(const QStringList& names) {
    for (const QString& name : names)
        m_releases->letGo(name);
}

QFuture<Value> Session::query(const QString& path) {
    auto promise = std::make_shared<QPromise<Value>>();
    promise->start();
    QFuture<Value> future = promise->future();
    QMetaObject::invokeMethod(
        m_core,
        [core = m_core, path, promise] {
            core->request(QStringLiteral("GET"), path, Value(), promise);
        },
        Qt::QueuedConnection);
    return future;
}

QFuture<Value> Session::variables() {
    return query(QStringLiteral("/variables")).then([](const Value& answer) {
        return answer[QStringLiteral("variables")];
    });
}

QFuture<Completions> Session::completions(const QString& line) {
    QString tail = line.right(2000); // the worker looks at no more
    if (!tail.isEmpty() && tail.front().isLowSurrogate())
        tail.remove(0, 1);
    const QString path =
        QStringLiteral("/completions?text=") + QString::fromLatin1(QUrl::toPercentEncoding(tail));
    return query(path).then([](const Value& answer) {
        Completions completions;
        completions.prefix = answer[QStringLiteral("prefix")].toString();
        for (const Value& match : answer[QStringLiteral("matches")].toList())
            completions.matches.push_back({match[QStringLiteral("name")].toString(),
                                           match[QStringLiteral("kind")].toString()});
        return completions;
    });
}

void Session::interrupt(const QString& commandId) {
    QMetaObject::invokeMethod(
        m_core, [core = m_core, commandId] { core->interrupt(commandId); }, Qt::QueuedConnection);
}

void Session::stopTraining() {
    QMetaObject::invokeMethod(m_core, &SessionCore::stopTraining, Qt::QueuedConnection);
}

void Session::restart() {
    QMetaObject::invokeMethod(m_core, &SessionCore::restart, Qt::QueuedConnection);
}

void Session::stopWorker() {
    QMetaObject::invokeMethod(m_core, &SessionCore::stopWorker, Qt::QueuedConnection);
}

void Session::reconnectNow() {
    QMetaObject::invokeMethod(m_core, &SessionCore::reconnectNow, Qt::QueuedConnection);
}

void Session::setErrorPolicy(ErrorPolicy policy, QObject* context) {
    m_core->setErrorPolicy(std::move(policy), context);
}

QString Session::freshName() {
    static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz";
    static constexpr char alphanumerics[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QRandomGenerator* random = QRandomGenerator::global();
    QString name;
    name.reserve(25);
    name += QLatin1Char(letters[random->bounded(26)]);
    for (int i = 1; i < 25; ++i)
        name += QLatin1Char(alphanumerics[random->bounded(36)]);
    return name;
}

} // namespace qk
