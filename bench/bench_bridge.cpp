// SPDX-License-Identifier: GPL-3.0-or-later
// Figures of the bridge without a GUI: the loopback TCP floor, the round trip of a trivial
// command, pipelined throughput, bulk arrays (binary and JSON number lists), training
// overhead, start-up, the worker client against QNAM, and results posted or downloaded by
// size. Prints one JSON line of figures per section on stdout; progress goes to stderr.
// Usage: bench_bridge [section ...] (default: all), sections being floor, startup,
// roundtrip, throughput, bulk, training, client, results.
#include "bench/benchsupport.h"
#include "bench/iristraining.h"

#include "bridge/protocol/codec.h"
#include "bridge/session/session.h"
#include "bridge/transport/notificationserver.h"
#include "bridge/transport/workerclient.h"
#include "bridge/worker/workerprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <QFile>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <numeric>
#include <tuple>

using namespace qk;
using namespace qk::bench;

namespace {

struct Settings {
    int warmup = 500;
    int samples = 5000;
    int pipelined = 10000;
    int bulkMegabytes = 100;
    int jsonMegabytes = 4;
    int bulkReps = 3;
    int epochs = 200;
    int batchSize = 16;
    int trainReps = 3;
    int startups = 3;
};

constexpr char kTrivial[] = "1 + 1";

// --- the floor: C++ <-> Python TCP ping-pong on loopback, no HTTP ---------------------------

void sendAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, 0);
        if (n <= 0)
            throw std::runtime_error("send failed");
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void receiveAll(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::recv(fd, data, size, 0);
        if (n <= 0)
            throw std::runtime_error("recv failed");
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

Json benchFloor(const Settings& settings) {
    QProcess echo;
    echo.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    echo.start(pythonPath(), {sourcePath("bench/tcp_echo.py")});
    if (!echo.waitForReadyRead(30000))
        throw std::runtime_error("the echo server did not start");
    const int port = echo.readLine().trimmed().toInt();

    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("cannot connect to the echo server");
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    char message[64];
    std::memset(message, 'x', sizeof message);
    char answer[sizeof message];
    std::vector<double> samples;
    for (int i = 0; i < settings.warmup + settings.samples; ++i) {
        const double start = now();
        sendAll(fd, message, sizeof message);
        receiveAll(fd, answer, sizeof answer);
        if (i >= settings.warmup)
            samples.push_back(now() - start);
    }
    ::close(fd);
    echo.waitForFinished(5000);
    return {{"floor_rtt_p50_us", percentile(samples, 0.5) * 1e6},
            {"floor_rtt_p99_us", percentile(samples, 0.99) * 1e6}};
}

// --- start-up: launch -> first command's result, launch -> keras-ready ----------------------

Json benchStartup(const Settings& settings) {
    std::vector<double> firstCommand, kerasReady;
    for (int i = 0; i < settings.startups; ++i) {
        const double launched = now();
        Session session(workerOptions());
        double keras = 0;
        QEventLoop loop;
        QObject::connect(&session.events(), &SessionEvents::workerEvent, &loop,
                         [&](const WorkerEvent& event) {
                             if (event.kind == QLatin1String("keras-ready")) {
                                 keras = now() - launched;
                                 loop.quit();
                             } else if (event.kind == QLatin1String("keras-failed")) {
                                 loop.quit();
                             }
                         });
        QFuture<Value> first = session.run(QString::fromUtf8(kTrivial));
        first.waitForFinished(); // settles on the transport thread
        firstCommand.push_back(now() - launched);
        if (first.result().toInt() != 2)
            throw std::runtime_error("the first command gave a wrong answer");
        if (keras == 0)
            loop.exec();
        if (keras == 0)
            throw std::runtime_error("Keras did not become ready");
        kerasReady.push_back(keras);
        progress(QStringLiteral("start-up %1: first command %2 s, Keras ready %3 s")
                     .arg(i + 1)
                     .arg(firstCommand.back(), 0, 'f', 3)
                     .arg(keras, 0, 'f', 3));
    }
    return {{"first_command_s", median(firstCommand)}, {"keras_ready_s", median(kerasReady)}};
}

// Waits until the worker has imported Keras (GET /health says so), for at most a minute.
void waitForKeras(Session& session) {
    for (int i = 0; i < 600; ++i) {
        const Value health = session.query(QStringLiteral("/health")).result();
        if (health.contains(QStringLiteral("keras_ready")) && health["keras_ready"].toBool())
            return;
        QThread::msleep(100);
    }
    progress(QStringLiteral("Keras is not ready after a minute; measuring anyway"));
}

// --- round trip: send -> exec -> future resolved, one at a time -----------------------------

Json benchRoundTrip(Session& session, const Settings& settings) {
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(settings.samples));
    for (int i = 0; i < settings.warmup + settings.samples; ++i) {
        // Queued signals (command states) are delivered outside the timed span.
        QCoreApplication::processEvents();
        const double start = now();
        const Value value = session.send(Command(kTrivial)).result();
        const double elapsed = now() - start;
        if (value.toInt() != 2)
            throw std::runtime_error("wrong answer");
        if (i >= settings.warmup)
            samples.push_back(elapsed);
    }
    const double mean =
        std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
    return {{"rtt_p50_us", percentile(samples, 0.5) * 1e6},
            {"rtt_p99_us", percentile(samples, 0.99) * 1e6},
            {"rtt_mean_us", mean * 1e6},
            {"rtt_samples", samples.size()}};
}

// --- CPU time, which the machine's load does not inflate -----------------------------------

double ownCpuSeconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double processCpuSeconds(qint64 pid) {
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0.0;
    const QByteArray line = stat.readAll();
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return (fields.value(11).toDouble() + fields.value(12).toDouble()) / ticks;
}

// --- throughput: N commands in flight --------------------------------------------------------

Json benchThroughput(Session& session, const Settings& settings) {
    std::vector<double> rates, clientCpu, workerCpu;
    const qint64 worker = session.workerInfo().pid;
    for (int rep = 0; rep < 3; ++rep) {
        QCoreApplication::processEvents();
        std::vector<QFuture<Value>> futures;
        futures.reserve(static_cast<std::size_t>(settings.pipelined));
        const double cpu = ownCpuSeconds(), workerStart = processCpuSeconds(worker);
        const double start = now();
        for (int i = 0; i < settings.pipelined; ++i)
            futures.push_back(session.send(Command(kTrivial)));
        for (auto& future : futures)
            future.waitForFinished();
        const double elapsed = now() - start;
        clientCpu.push_back((ownCpuSeconds() - cpu) / settings.pipelined * 1e6);
        workerCpu.push_back((processCpuSeconds(worker) - workerStart) / settings.pipelined * 1e6);
        for (auto& future : futures) {
            if (future.result().toInt() != 2)
                throw std::runtime_error("wrong answer");
        }
        rates.push_back(settings.pipelined / elapsed);
        progress(QStringLiteral("%1 commands in flight: %2 commands/s; CPU per command: C++ "
                                "%3 us, worker %4 us")
                     .arg(settings.pipelined)
                     .arg(rates.back(), 0, 'f', 0)
                     .arg(clientCpu.back(), 0, 'f', 0)
                     .arg(workerCpu.back(), 0, 'f', 0));
    }
    return {{"throughput_per_s", median(rates)},
            {"throughput_commands", settings.pipelined},
            {"cpu_us_per_command_cpp", median(clientCpu)},
            {"cpu_us_per_command_worker", median(workerCpu)}};
}

// --- bulk: a float32 array into the worker's scope and back --------------------------------

NdArray makeArray(std::int64_t megabytes) {
    const std::int64_t count = megabytes * 1000 * 1000 / 4;
    NdArray array = NdArray::zeros(DType::Float32, {count});
    float* data = array.mutableData<float>();
    for (std::int64_t i = 0; i < count; ++i)
        data[i] = static_cast<float>(i % 1000) * 0.5f;
    return array;
}

// Seconds to bind `value` as `name` in the worker and have the command's future resolved.
double timeUpload(Session& session, const QString& name, const Value& value, const QString& code) {
    Command command(code);
    command.bind(name, value);
    command.lifetime = BindingLifetime::Eternal;
    const double start = now();
    session.send(std::move(command)).result();
    return now() - start;
}

Json benchBulk(Session& session, const Settings& settings) {
    // The worker imports Keras in the background after start-up: wait for it, so that the
    // import neither shares the CPU with the transfers nor counts as their CPU time.
    session.run(QStringLiteral("import keras")).result();
    const NdArray array = makeArray(settings.bulkMegabytes);
    const double megabytes = static_cast<double>(array.bytes().size()) / 1e6;
    std::vector<double> up, down;
    const qint64 worker = session.workerInfo().pid;
    // CPU seconds of (C++, worker) since the last call.
    double lastOwn = ownCpuSeconds(), lastWorker = processCpuSeconds(worker);
    auto cpuSince = [&] {
        const double own = ownCpuSeconds(), other = processCpuSeconds(worker);
        const std::pair<double, double> spent{own - lastOwn, other - lastWorker};
        lastOwn = own;
        lastWorker = other;
        return spent;
    };
    std::vector<double> upCpp, upWorker, downCpp, downWorker;
    for (int rep = 0; rep < settings.bulkReps; ++rep) {
        QCoreApplication::processEvents();
        cpuSince();
        up.push_back(megabytes /
                     timeUpload(session, QStringLiteral("bulk"), array, QStringLiteral("None")));
        auto [cpp, python] = cpuSince();
        upCpp.push_back(cpp);
        upWorker.push_back(python);
        const double start = now();
        const Value back = session.run(QStringLiteral("bulk")).result();
        down.push_back(megabytes / (now() - start));
        std::tie(cpp, python) = cpuSince();
        downCpp.push_back(cpp);
        downWorker.push_back(python);
        if (!back.isArray() || back.toArray().bytes() != array.bytes())
            throw std::runtime_error("the array came back different");
        progress(QStringLiteral("binary %1 MB: to the worker %2 MB/s (CPU: C++ %4 s, worker %5 "
                                "s), back %3 MB/s (CPU: C++ %6 s, worker %7 s)")
                     .arg(megabytes)
                     .arg(up.back(), 0, 'f', 0)
                     .arg(down.back(), 0, 'f', 0)
                     .arg(upCpp.back(), 0, 'f', 2)
                     .arg(upWorker.back(), 0, 'f', 2)
                     .arg(downCpp.back(), 0, 'f', 2)
                     .arg(downWorker.back(), 0, 'f', 2));
    }
    const Value check =
        session.run(QStringLiteral("type(bulk).__module__, bulk.dtype.name, bulk.nbytes")).result();
    if (check.toTuple().items.at(0).toString() != QLatin1String("numpy"))
        throw std::runtime_error("the binding is not a numpy array");
    session.deleteVariables({QStringLiteral("bulk")}).result();

    // The paper's path: the same numbers as JSON lists, made a numpy array on arrival.
    const NdArray small = makeArray(settings.jsonMegabytes);
    const double smallMegabytes = static_cast<double>(small.bytes().size()) / 1e6;
    std::vector<double> jsonUp, jsonDown;
    for (int rep = 0; rep < settings.bulkReps; ++rep) {
        QCoreApplication::processEvents();
        const double start = now();
        // Building the list is part of the path (a C++ program holds its numbers in arrays).
        Value::List list;
        list.reserve(static_cast<std::size_t>(small.size()));
        const float* data = small.data<float>();
        for (std::int64_t i = 0; i < small.size(); ++i)
            list.emplace_back(data[i]);
        Command upload(QStringLiteral("import numpy\nbulk_json = numpy.array(numbers, "
                                      "dtype=numpy.float32)\nNone"));
        upload.bind(QStringLiteral("numbers"), Value(std::move(list)));
        session.send(std::move(upload)).result();
        jsonUp.push_back(smallMegabytes / (now() - start));

        const double startDown = now();
        const Value back = session.run(QStringLiteral("bulk_json.tolist()")).result();
        std::vector<float> numbers;
        numbers.reserve(back.items().size());
        for (const Value& v : back.items())
            numbers.push_back(static_cast<float>(v.toDouble()));
        jsonDown.push_back(smallMegabytes / (now() - startDown));
        if (numbers != small.toVector<float>())
            throw std::runtime_error("the JSON list came back different");
        progress(QStringLiteral("JSON %1 MB: to the worker %2 MB/s, back %3 MB/s")
                     .arg(smallMegabytes)
                     .arg(jsonUp.back(), 0, 'f', 1)
                     .arg(jsonDown.back(), 0, 'f', 1));
    }
    session.deleteVariables({QStringLiteral("bulk_json")}).result();
    return {{"bulk_mb", megabytes},
            {"bulk_up_mb_s", median(up)},
            {"bulk_down_mb_s", median(down)},
            {"bulk_up_cpu_s_cpp", median(upCpp)},
            {"bulk_up_cpu_s_worker", median(upWorker)},
            {"bulk_down_cpu_s_cpp", median(downCpp)},
            {"bulk_down_cpu_s_worker", median(downWorker)},
            {"json_mb", smallMegabytes},
            {"json_up_mb_s", median(jsonUp)},
            {"json_down_mb_s", median(jsonDown)}};
}

// --- training: iris through the bridge with live per-epoch events --------------------------

Json benchTraining(Session& session, const Settings& settings) {
    const IrisData iris = loadIris(sourcePath("resources/data/iris.csv"));
    int epochEvents = 0;
    QObject counter;
    QObject::connect(&session.events(), &SessionEvents::workerEvent, &counter,
                     [&](const WorkerEvent& event) {
                         if (event.kind == QLatin1String("epoch"))
                             ++epochEvents;
                     });
    session.run(QStringLiteral("import keras")).result();
    std::vector<double> seconds, cpuSeconds;
    const qint64 worker = session.workerInfo().pid;
    for (int rep = 0; rep < settings.trainReps; ++rep) {
        QCoreApplication::processEvents();
        epochEvents = 0;
        const double cpu = ownCpuSeconds() + processCpuSeconds(worker);
        const double start = now();
        const IrisRun run = trainIris(session, iris, settings.epochs, settings.batchSize);
        const double loss = await(run.training.future())->last(QStringLiteral("loss"));
        seconds.push_back(now() - start);
        cpuSeconds.push_back(ownCpuSeconds() + processCpuSeconds(worker) - cpu);
        QCoreApplication::processEvents(); // the last queued events
        progress(QStringLiteral("iris %1 epochs through the bridge: %2 s (CPU %5 s), %3 epoch "
                                "events, loss %4")
                     .arg(settings.epochs)
                     .arg(seconds.back(), 0, 'f', 2)
                     .arg(epochEvents)
                     .arg(loss, 0, 'f', 4)
                     .arg(cpuSeconds.back(), 0, 'f', 2));
        if (epochEvents != settings.epochs)
            throw std::runtime_error("epoch events went missing");
    }
    return {{"train_bridge_s", seconds}, {"train_bridge_cpu_s", cpuSeconds}};
}

// --- client: the bridge's QNetworkAccessManager client against a raw-socket floor ----------

// One keep-alive HTTP/1.1 connection on a blocking socket, with no event loop and no thread
// hop: the floor under any HTTP client of the worker (here only, never in the product).
class RawHttp {
public:
    RawHttp(quint16 port, QByteArray token)
        : m_fd(::socket(AF_INET, SOCK_STREAM, 0))
        , m_port(port)
        , m_token(std::move(token)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot connect to the worker");
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~RawHttp() { ::close(m_fd); }
    RawHttp(const RawHttp&) = delete;
    RawHttp& operator=(const RawHttp&) = delete;

    // Sends a request (head, then body) and reads its answer; returns the status.
    int exchange(const char* method, const QString& path, const QByteArray& body = {}) {
        QByteArray head = QByteArray(method) + ' ' + path.toUtf8() +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port) +
                          "\r\nAuthorization: Bearer " + m_token + "\r\n";
        if (!body.isEmpty())
            head += "Content-Type: application/msgpack\r\nContent-Length: " +
                    QByteArray::number(body.size()) + "\r\n";
        head += "\r\n";
        if (body.size() <= (64 << 10)) {
            const QByteArray whole = head + body;
            sendAll(m_fd, whole.constData(), std::size_t(whole.size()));
        } else {
            sendAll(m_fd, head.constData(), std::size_t(head.size()));
            sendAll(m_fd, body.constData(), std::size_t(body.size()));
        }
        // The head, then Content-Length bytes of body.
        QByteArray answer;
        qsizetype end = -1;
        char buffer[16384];
        while ((end = answer.indexOf("\r\n\r\n")) < 0) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                throw std::runtime_error("the worker closed the connection");
            answer.append(buffer, n);
        }
        const qsizetype at = answer.toLower().indexOf("content-length:");
        const qint64 length =
            at < 0 ? 0
                   : answer.mid(at + 15, answer.indexOf('\r', at) - at - 15).trimmed().toLongLong();
        qint64 have = answer.size() - end - 4;
        while (have < length) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                throw std::runtime_error("the worker closed the connection");
            have += n;
        }
        return answer.mid(9, 3).toInt();
    }

private:
    int m_fd;
    quint16 m_port;
    QByteArray m_token;
};

// The bridge's client (transport::WorkerClient on QNetworkAccessManager, set up as the
// session sets it up), a QNetworkAccessManager with its defaults, and the raw-socket floor,
// side by side against one worker started with a token the benchmark knows.
class ClientBench {
public:
    ClientBench()
        : m_token(randomToken())
        , m_server(m_token,
                   [this](const QString& path, const QByteArray& body, protocol::Format) {
                       if (path == QLatin1String("/notify")) {
                           std::lock_guard lock(m_mutex);
                           m_results += body;
                       }
                       return 200;
                   })
        , m_client(m_token) {}

    void start() {
        if (!m_server.listen())
            throw std::runtime_error("the notification server cannot listen");
        WorkerOptions options = workerOptions().worker;
        m_worker = std::make_unique<WorkerProcess>(options, m_token, m_server.url());
        QEventLoop loop;
        QString failure;
        QObject::connect(m_worker.get(), &WorkerProcess::ready, &loop, &QEventLoop::quit);
        QObject::connect(m_worker.get(), &WorkerProcess::startFailed, &loop,
                         [&](const QString& reason) {
                             failure = reason;
                             loop.quit();
                         });
        m_worker->start();
        loop.exec();
        if (!m_worker->isReady())
            throw std::runtime_error("the worker did not start: " + failure.toStdString());
        m_client.setPort(m_worker->info().port);
        m_raw = std::make_unique<RawHttp>(m_worker->info().port, m_token);
        // Steady state: the worker imports Keras in the background after its start.
        for (int i = 0; i < 600; ++i) {
            const transport::WorkerReply health = clientGet(QStringLiteral("/health"));
            if (health.body.contains("\"keras_ready\": true") ||
                health.body.contains("\"keras_ready\":true"))
                return;
            QThread::msleep(100);
        }
        progress(QStringLiteral("Keras is not ready after a minute; measuring anyway"));
    }

    ~ClientBench() {
        m_raw.reset();
        if (m_worker)
            m_worker->stop();
    }

    transport::WorkerReply clientGet(const QString& path) {
        return answerOf(
            [&](transport::WorkerClient::Callback done) { m_client.get(path, std::move(done)); });
    }

    transport::WorkerReply clientPost(const QString& path, const QByteArray& body) {
        return answerOf([&](transport::WorkerClient::Callback done) {
            m_client.post(path, body, protocol::Format::MsgPack, std::move(done));
        });
    }

    // A QNetworkAccessManager as it comes: proxy look-up, cookie jar, HTTP/2 allowed.
    transport::WorkerReply defaultGet(const QString& path) {
        QUrl url;
        url.setScheme(QStringLiteral("http"));
        url.setHost(QStringLiteral("127.0.0.1"));
        url.setPort(m_worker->info().port);
        url.setPath(path);
        QNetworkRequest request(url);
        request.setRawHeader("Authorization", "Bearer " + m_token);
        QNetworkReply* reply = m_default.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        transport::WorkerReply answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        reply->deleteLater();
        return answer;
    }

    transport::WorkerReply rawGet(const QString& path) {
        return {m_raw->exchange("GET", path), {}, {}};
    }

    int rawPost(const QString& path, const QByteArray& body) {
        return m_raw->exchange("POST", path, body);
    }

    // Sends a request through `send` and runs an event loop until its answer is in.
    static transport::WorkerReply
    answerOf(const std::function<void(transport::WorkerClient::Callback)>& send) {
        transport::WorkerReply answer;
        bool done = false;
        QEventLoop loop;
        send([&](const transport::WorkerReply& reply) {
            answer = reply;
            done = true;
            loop.quit();
        });
        if (!done)
            loop.exec();
        return answer;
    }

    // Runs the event loop until the worker has posted the result of command `id`.
    void waitForResult(const QByteArray& id) {
        const QByteArray quoted = '"' + id + '"';
        for (int i = 0; i < 60000; ++i) {
            {
                std::lock_guard lock(m_mutex);
                // MessagePack keeps strings as their bytes, JSON quotes them.
                if (m_results.contains(quoted) || m_results.contains(id)) {
                    m_results.clear();
                    return;
                }
            }
            QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
            QThread::usleep(50);
        }
        throw std::runtime_error("the worker did not report the upload's command");
    }

private:
    static QByteArray randomToken() {
        QByteArray token;
        for (int i = 0; i < 4; ++i)
            token += QByteArray::number(QRandomGenerator::system()->generate64(), 16)
                         .rightJustified(16, '0');
        return token;
    }

    QByteArray m_token;
    std::mutex m_mutex;
    QByteArray m_results;
    transport::NotificationServer m_server;
    transport::WorkerClient m_client;
    QNetworkAccessManager m_default;
    std::unique_ptr<WorkerProcess> m_worker;
    std::unique_ptr<RawHttp> m_raw;
};

// A POST /commands body binding a float32 array of `megabytes` to `bulk` for one command
// whose result is not sent back.
QByteArray uploadBody(const NdArray& array, const QString& id) {
    protocol::Payloads payloads;
    protocol::Json command = protocol::Json::object();
    command["id"] = id.toStdString();
    command["code"] = "bulk.nbytes";
    command["bindings"]["bulk"] = protocol::toWire(Value(array), protocol::Format::MsgPack,
                                                   protocol::kDefaultMaxDepth, &payloads);
    command["lifetime"] = "command";
    command["result"] = "none";
    return protocol::serialize(command, protocol::Format::MsgPack, payloads);
}

Json benchClient(const Settings& settings) {
    ClientBench bench;
    bench.start();

    // (a) request -> answer of GET /health, the three clients taking turns in blocks.
    std::vector<double> client, plain, raw;
    // One block of requests through `get`, timed into `times` once past the warm-up.
    const auto timeBlock = [](const auto& get, std::vector<double>& times, bool measured,
                              const char* which) {
        for (int i = 0; i < 100; ++i) {
            QCoreApplication::processEvents();
            const double start = now();
            const transport::WorkerReply reply = get(QStringLiteral("/health"));
            const double elapsed = now() - start;
            if (reply.status != 200)
                throw std::runtime_error(std::string("GET /health failed") + which + ": " +
                                         reply.error.toStdString());
            if (measured)
                times.push_back(elapsed);
        }
    };
    for (int done = 0; done < settings.warmup + settings.samples; done += 100) {
        const bool measured = done >= settings.warmup;
        timeBlock([&bench](const QString& path) { return bench.clientGet(path); }, client, measured,
                  "");
        timeBlock([&bench](const QString& path) { return bench.defaultGet(path); }, plain, measured,
                  " (QNAM defaults)");
        timeBlock([&bench](const QString& path) { return bench.rawGet(path); }, raw, measured,
                  " (raw socket)");
    }
    progress(QStringLiteral("GET /health p50/p99: WorkerClient %1/%2 us, QNAM with its defaults "
                            "%3/%4 us, raw socket %5/%6 us (%7 each)")
                 .arg(percentile(client, 0.5) * 1e6, 0, 'f', 0)
                 .arg(percentile(client, 0.99) * 1e6, 0, 'f', 0)
                 .arg(percentile(plain, 0.5) * 1e6, 0, 'f', 0)
                 .arg(percentile(plain, 0.99) * 1e6, 0, 'f', 0)
                 .arg(percentile(raw, 0.5) * 1e6, 0, 'f', 0)
                 .arg(percentile(raw, 0.99) * 1e6, 0, 'f', 0)
                 .arg(client.size()));

    // (b) a POST /commands of a 100 MB float32 binding in the request's body, from the first
    // byte to the worker's result notification of that command (it ran with the whole array
    // bound): what QNetworkAccessManager's upload path gives, against the raw socket.
    const NdArray array = makeArray(settings.bulkMegabytes);
    std::vector<double> clientUp, rawUp;
    double megabytes = 0;
    for (int rep = 0; rep < settings.bulkReps; ++rep) {
        const QString clientId = QStringLiteral("client-upload-%1").arg(rep);
        QByteArray body = uploadBody(array, clientId);
        megabytes = static_cast<double>(body.size()) / 1e6;
        QCoreApplication::processEvents();
        double start = now();
        const transport::WorkerReply reply = bench.clientPost(QStringLiteral("/commands"), body);
        if (reply.status != 202)
            throw std::runtime_error("POST /commands failed: " + reply.error.toStdString());
        bench.waitForResult(clientId.toUtf8());
        clientUp.push_back(megabytes / (now() - start));
        body.clear();

        const QString rawId = QStringLiteral("raw-upload-%1").arg(rep);
        body = uploadBody(array, rawId);
        start = now();
        if (bench.rawPost(QStringLiteral("/commands"), body) != 202)
            throw std::runtime_error("POST /commands failed (raw socket)");
        bench.waitForResult(rawId.toUtf8());
        rawUp.push_back(megabytes / (now() - start));
        progress(QStringLiteral("POST /commands of %1 MB: WorkerClient %2 MB/s, raw socket %3 MB/s")
                     .arg(megabytes, 0, 'f', 0)
                     .arg(clientUp.back(), 0, 'f', 0)
                     .arg(rawUp.back(), 0, 'f', 0));
    }
    return {{"client_rtt_p50_us", percentile(client, 0.5) * 1e6},
            {"client_rtt_p99_us", percentile(client, 0.99) * 1e6},
            {"qnam_default_rtt_p50_us", percentile(plain, 0.5) * 1e6},
            {"qnam_default_rtt_p99_us", percentile(plain, 0.99) * 1e6},
            {"raw_rtt_p50_us", percentile(raw, 0.5) * 1e6},
            {"raw_rtt_p99_us", percentile(raw, 0.99) * 1e6},
            {"client_rtt_samples", client.size()},
            {"client_upload_mb", megabytes},
            {"client_upload_mb_s", median(clientUp)},
            {"raw_upload_mb_s", median(rawUp)}};
}

} // namespace

// --- results posted to the notification server or downloaded, by size -----------------------

// Milliseconds from sending `name` to its array value in C++.
double timeResult(Session& session, const QString& name) {
    const double start = now();
    const Value value = session.run(name).result();
    const double elapsed = (now() - start) * 1e3;
    if (!value.isArray())
        throw std::runtime_error("the result is not an array");
    return elapsed;
}

Json benchResults() {
    // One worker posts every result, the other announces every array for download; they
    // take turns, so that both meet the same state of the machine.
    SessionOptions postedOptions = workerOptions();
    postedOptions.worker.fetchResultsOver = 0;
    SessionOptions downloadedOptions = workerOptions();
    downloadedOptions.worker.fetchResultsOver = 1;
    Session posted(postedOptions);
    Session downloaded(downloadedOptions);
    Json figures = Json::object();
    for (Session* session : {&posted, &downloaded}) {
        await(session->ready());
        waitForKeras(*session);
    }
    for (const int kib : {64, 256, 1024, 4096, 16384}) {
        const QString name = QStringLiteral("r%1").arg(kib);
        const QString make = QStringLiteral("import numpy as np\n%1 = np.ones(%2, np.float32)")
                                 .arg(name)
                                 .arg(kib * 256);
        posted.run(make).result();
        downloaded.run(make).result();
        const int reps = kib <= 1024 ? 200 : 40;
        std::vector<double> post, download;
        for (int rep = -5; rep < reps; ++rep) { // 5 of warm-up
            const double p = timeResult(posted, name);
            const double d = timeResult(downloaded, name);
            if (rep >= 0) {
                post.push_back(p);
                download.push_back(d);
            }
        }
        progress(QStringLiteral("a %1 KiB array back: posted %2 ms, downloaded %3 ms (medians)")
                     .arg(kib)
                     .arg(median(post), 0, 'f', 3)
                     .arg(median(download), 0, 'f', 3));
        const std::string key = "result_" + std::to_string(kib) + "k_";
        figures[key + "posted_ms"] = median(post);
        figures[key + "downloaded_ms"] = median(download);
    }
    return figures;
}

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QtKeras bridge benchmarks"));
    parser.addHelpOption();
    parser.addPositionalArgument(
        QStringLiteral("sections"),
        QStringLiteral("floor, startup, roundtrip, throughput, bulk, training, client, "
                       "results (default: all)"));
    const QCommandLineOption samples(QStringLiteral("samples"),
                                     QStringLiteral("Round trips measured."), QStringLiteral("n"),
                                     QStringLiteral("5000"));
    const QCommandLineOption reps(QStringLiteral("train-reps"),
                                  QStringLiteral("Training repetitions."), QStringLiteral("n"),
                                  QStringLiteral("3"));
    parser.addOption(samples);
    parser.addOption(reps);
    parser.process(app);

    Settings settings;
    settings.samples = parser.value(samples).toInt();
    settings.trainReps = parser.value(reps).toInt();
    QStringList sections = parser.positionalArguments();
    if (sections.isEmpty())
        sections = {QStringLiteral("floor"),     QStringLiteral("startup"),
                    QStringLiteral("roundtrip"), QStringLiteral("throughput"),
                    QStringLiteral("bulk"),      QStringLiteral("training"),
                    QStringLiteral("client"),    QStringLiteral("results")};
    try {
        if (sections.contains(QLatin1String("floor")))
            printFigures(benchFloor(settings));
        if (sections.contains(QLatin1String("startup")))
            printFigures(benchStartup(settings));
        if (sections.contains(QLatin1String("client")))
            printFigures(benchClient(settings));
        if (sections.contains(QLatin1String("results")))
            printFigures(benchResults());
        const QStringList sessionSections = {QStringLiteral("roundtrip"),
                                             QStringLiteral("throughput"), QStringLiteral("bulk"),
                                             QStringLiteral("training")};
        if (std::none_of(sessionSections.begin(), sessionSections.end(),
                         [&](const QString& name) { return sections.contains(name); }))
            return 0;
        Session session(workerOptions());
        await(session.ready());
        session.run(QString::fromUtf8(kTrivial)).result();
        // Steady state: the worker imports Keras in the background after its start, and that
        // import holds the interpreter for a second or two.
        waitForKeras(session);
        if (sections.contains(QLatin1String("roundtrip")))
            printFigures(benchRoundTrip(session, settings));
        if (sections.contains(QLatin1String("throughput")))
            printFigures(benchThroughput(session, settings));
        if (sections.contains(QLatin1String("bulk")))
            printFigures(benchBulk(session, settings));
        if (sections.contains(QLatin1String("training")))
            printFigures(benchTraining(session, settings));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_bridge: %s\n", e.what());
        return 1;
    }
    return 0;
}
