// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/environmentcheck.h"

#include "bridge/worker/remoteworker.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTimer>
#include <QVersionNumber>

#include <nlohmann/json.hpp>

namespace qk::app {

namespace {

constexpr int timeoutMs = 30000;
// A remote check connects and imports JAX to list the devices.
constexpr int remoteTimeoutMs = 120000;

// Prints one JSON line: the interpreter's version, the versions of the packages that matter
// (empty when missing) and whether the worker package is importable. Imports nothing heavy.
const char* const checkScript =
    "import importlib.metadata as md, importlib.util as iu, json, sys\n"
    "def version(name):\n"
    "    try:\n"
    "        return md.version(name)\n"
    "    except Exception:\n"
    "        return ''\n"
    "def gpus():\n"
    "    import subprocess\n"
    "    try:\n"
    "        out = subprocess.run(['nvidia-smi', '--query-gpu=name,memory.total',\n"
    "                              '--format=csv,noheader'], capture_output=True, text=True,\n"
    "                             timeout=10)\n"
    "    except Exception:\n"
    "        return []\n"
    "    return [l.strip() for l in out.stdout.splitlines() if l.strip()] if out.returncode == 0 "
    "else []\n"
    "names = ['keras', 'numpy', 'msgpack', 'jax', 'jaxlib', 'jax-cuda12-plugin', 'tensorflow',\n"
    "         'tensorflow-cpu', 'torch']\n"
    "print(json.dumps({'python': sys.version.split()[0],\n"
    "                  'packages': {n: version(n) for n in names},\n"
    "                  'gpus': gpus(),\n"
    "                  'worker': iu.find_spec('qtkeras_worker') is not None}))\n";

} // namespace

QString EnvironmentReport::toText() const {
    QStringList lines;
    if (!host.isEmpty())
        lines << QObject::tr("Host: %1").arg(host);
    lines << QObject::tr("Interpreter: %1").arg(interpreter);
    if (ran) {
        lines << QObject::tr("Python %1").arg(python);
        for (auto it = packages.cbegin(); it != packages.cend(); ++it) {
            if (!it.value().isEmpty())
                lines << QStringLiteral("  %1 %2").arg(it.key(), it.value());
        }
        if (host.isEmpty())
            lines << QObject::tr("Worker package: %1")
                         .arg(workerFound ? QObject::tr("found") : QObject::tr("not found"));
        else
            lines << QObject::tr("Worker package: sent by the IDE when the worker starts");
        if (!devices.isEmpty())
            lines << QObject::tr("Devices: %1").arg(devices.join(QStringLiteral(", ")));
    }
    if (ran) {
        lines << QObject::tr("Backends:");
        for (const QString& line : backendSupport())
            lines << QStringLiteral("  • ") + line;
        lines << QObject::tr("GPUs: %1")
                     .arg(gpus.isEmpty() ? QObject::tr("none (nvidia-smi lists none, or is not "
                                                       "installed)")
                                         : gpus.join(QStringLiteral("; ")));
        for (const QString& offer : offers)
            lines << QStringLiteral("  • ") + offer;
    }
    if (problems.isEmpty()) {
        lines << QObject::tr("Everything the worker needs is there (backend: %1).").arg(backend);
    } else {
        lines << QString() << QObject::tr("Problems:");
        for (const QString& p : problems)
            lines << QStringLiteral("  • ") + p;
        lines << QObject::tr("How to fix:");
        for (const QString& f : fixes)
            lines << QStringLiteral("  • ") + f;
    }
    return lines.join(QLatin1Char('\n'));
}

QStringList EnvironmentReport::backendSupport() const {
    const auto installed = [this](const QString& name, const QString& alternative = {}) {
        QString version = packages.value(name);
        if (version.isEmpty() && !alternative.isEmpty())
            version = packages.value(alternative);
        return version.isEmpty() ? QObject::tr("not installed in this interpreter")
                                 : QObject::tr("%1 installed").arg(version);
    };
    const QString ownEnvironment =
        QObject::tr("it gets an environment of its own with Create environment, or "
                    "qtkeras-setup-python --backend %1");
    QStringList lines;
    lines << QObject::tr("JAX (%1): training on the CPU, or on NVIDIA GPUs with jax[cuda12]; "
                         "training on several devices and processes (Keras' distribution "
                         "API: data- and model-parallel)")
                 .arg(installed(QStringLiteral("jax")));
    lines << QObject::tr("TensorFlow (%1): training on the CPU (tensorflow-cpu); no training "
                         "on several devices, since Keras' distribution API is JAX-only in "
                         "Keras 3.15; %2")
                 .arg(installed(QStringLiteral("tensorflow"), QStringLiteral("tensorflow-cpu")),
                      ownEnvironment.arg(QStringLiteral("tensorflow")));
    lines << QObject::tr("PyTorch (%1): training on the CPU; no training on several devices, "
                         "since Keras' distribution API is JAX-only in Keras 3.15; %2")
                 .arg(installed(QStringLiteral("torch")),
                      ownEnvironment.arg(QStringLiteral("torch")));
    return lines;
}

EnvironmentCheck::EnvironmentCheck(QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<EnvironmentReport>();
}

EnvironmentCheck::~EnvironmentCheck() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
        delete m_process;
    }
}

QStringList EnvironmentCheck::requiredPackages() {
    return {QStringLiteral("keras"), QStringLiteral("numpy"), QStringLiteral("msgpack")};
}

QString EnvironmentCheck::backendPackage(const QString& backend) {
    return backend.isEmpty() ? QStringLiteral("jax") : backend;
}

void EnvironmentCheck::start(const WorkerOptions& options) {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->deleteLater();
    }
    m_report = {};
    if (!options.remote.isEmpty()) {
        startRemote(options);
        return;
    }
    m_report.interpreter = WorkerProcess::resolvePython(options);
    m_report.backend = backendPackage(options.backend);
    const QStringList pythonPath = WorkerProcess::resolvePythonPath(options);
    m_requirements.clear();
    for (const QString& dir : pythonPath) {
        const QString candidate = QDir(dir).filePath(QStringLiteral("requirements.txt"));
        if (QFileInfo::exists(candidate)) {
            m_requirements = candidate;
            break;
        }
    }

    auto* process = new QProcess(this);
    m_process = process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PYTHONPATH"), pythonPath.join(QDir::listSeparator()));
    env.insert(QStringLiteral("KERAS_BACKEND"), m_report.backend);
    process->setProcessEnvironment(env);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    connect(process, &QProcess::finished, this,
            [this, process](int exitCode, QProcess::ExitStatus status) {
                if (process != m_process)
                    return;
                const QByteArray out = process->readAllStandardOutput();
                const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
                if (status != QProcess::NormalExit || exitCode != 0)
                    complete({}, err.isEmpty() ? tr("it exited with code %1").arg(exitCode) : err);
                else
                    complete(out, {});
            });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (process != m_process)
            return;
        if (error == QProcess::FailedToStart || error == QProcess::Timedout)
            complete({}, process->errorString());
    });
    QTimer::singleShot(timeoutMs, process, [this, process] {
        if (process == m_process) {
            process->kill();
            complete({}, tr("it did not answer within %1 s").arg(timeoutMs / 1000));
        }
    });
    process->start(m_report.interpreter, {QStringLiteral("-c"), QString::fromUtf8(checkScript)});
}

void EnvironmentCheck::startRemote(const WorkerOptions& options) {
    m_report.host = options.remote;
    m_report.interpreter = options.python.isEmpty()
                               ? tr("the environment qtkeras-setup-python made there, else python3")
                               : options.python;
    m_report.backend = backendPackage(options.backend);
    m_requirements.clear();
    const nlohmann::json request = {
        {"op", "check"}, {"python", options.python.toStdString()}, {"devices", true}};
    QString error;
    QProcess* process =
        RemoteWorker::runRequest(options, QByteArray::fromStdString(request.dump()), this, &error);
    if (!process) {
        QTimer::singleShot(0, this, [this, error] { complete({}, error); });
        return;
    }
    m_process = process;
    connect(process, &QProcess::finished, this, [this, process](int, QProcess::ExitStatus) {
        if (process != m_process)
            return;
        const QList<QByteArray> lines = process->readAllStandardOutput().trimmed().split('\n');
        const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
        const nlohmann::json answer =
            nlohmann::json::parse(lines.last().toStdString(), nullptr, false);
        if (!answer.is_object()) {
            complete({}, err.isEmpty() ? tr("ssh gave no answer") : err);
            return;
        }
        if (answer.contains("error")) {
            complete({}, QString::fromStdString(answer.value("error", std::string())));
            return;
        }
        for (const auto& device : answer.value("devices", nlohmann::json::array()))
            m_report.devices << QString::fromStdString(device.get<std::string>());
        nlohmann::json local = answer;
        local["worker"] = true; // the IDE sends the worker package with each start
        complete(QByteArray::fromStdString(local.dump()), {});
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (process == m_process && e == QProcess::FailedToStart)
            complete({}, tr("cannot run ssh: %1").arg(process->errorString()));
    });
    QTimer::singleShot(remoteTimeoutMs, process, [this, process] {
        if (process == m_process) {
            process->kill();
            complete(
                {},
                tr("%1 did not answer within %2 s").arg(m_report.host).arg(remoteTimeoutMs / 1000));
        }
    });
}

void EnvironmentCheck::complete(const QByteArray& output, const QString& error) {
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
        m_process = nullptr;
    }
    EnvironmentReport& r = m_report;
    QString installAll;
    if (!r.host.isEmpty())
        installAll = tr("create the worker's environment on %1 (a virtual environment in "
                        "~/.local/share/qtkeras/venv with the worker's requirements.txt), or "
                        "name an interpreter there that has them")
                         .arg(r.host);
    else if (WorkerProcess::isInstalled())
        installAll = tr("run qtkeras-setup-python, which creates a Python environment with the "
                        "worker's packages in %1")
                         .arg(WorkerProcess::userEnvironment());
    else if (m_requirements.isEmpty())
        installAll = tr("run ./scripts/setup.sh in the QtKeras source tree");
    else
        installAll = tr("run: %1 -m pip install -r %2 (or ./scripts/setup.sh)")
                         .arg(r.interpreter, m_requirements);
    if (error.isEmpty()) {
        try {
            const nlohmann::json answer = nlohmann::json::parse(output.toStdString());
            r.python = QString::fromStdString(answer.at("python").get<std::string>());
            for (const auto& [name, version] : answer.at("packages").items())
                r.packages.insert(QString::fromStdString(name),
                                  QString::fromStdString(version.get<std::string>()));
            r.workerFound = answer.at("worker").get<bool>();
            // What nvidia-smi lists (none from a host whose bootstrap does not say).
            for (const auto& gpu : answer.value("gpus", nlohmann::json::array()))
                r.gpus << QString::fromStdString(gpu.get<std::string>());
            r.ran = true;
        } catch (const nlohmann::json::exception& e) {
            r.problems << tr("The interpreter's answer was not understood: %1")
                              .arg(QString::fromUtf8(e.what()));
            r.fixes << tr("Choose a CPython 3.10 or newer interpreter");
        }
    } else {
        r.problems << (r.host.isEmpty() ? tr("Could not run %1: %2").arg(r.interpreter, error)
                                        : tr("Could not check %1: %2").arg(r.host, error));
        r.fixes << tr("Choose an existing Python interpreter, or %1").arg(installAll);
    }
    if (r.ran) {
        if (QVersionNumber::fromString(r.python) < QVersionNumber(3, 10)) {
            r.problems << tr("Python %1 is too old for Keras 3").arg(r.python);
            r.fixes << tr("Choose a Python 3.10 or newer interpreter");
        }
        QStringList missing;
        for (const QString& name : requiredPackages()) {
            if (r.packages.value(name).isEmpty())
                missing << name;
        }
        if (!missing.isEmpty()) {
            r.problems << tr("Missing packages: %1").arg(missing.join(QStringLiteral(", ")));
            r.fixes << installAll.left(1).toUpper() + installAll.mid(1);
        }
        const bool backendMissing =
            r.packages.value(r.backend).isEmpty() &&
            !(r.backend == QLatin1String("tensorflow") &&
              !r.packages.value(QStringLiteral("tensorflow-cpu")).isEmpty());
        if (backendMissing) {
            r.problems << tr("The %1 backend is not installed").arg(r.backend);
            if (r.backend == QLatin1String("jax"))
                r.fixes << tr("Run: %1 -m pip install %2, or choose another backend")
                               .arg(r.interpreter, r.backend);
            else
                r.fixes << tr("Give %1 an environment of its own with Create environment "
                              "(qtkeras-setup-python --backend %1), or run: %2 -m pip install "
                              "%3")
                               .arg(r.backend, r.interpreter,
                                    r.backend == QLatin1String("tensorflow")
                                        ? QStringLiteral("tensorflow-cpu")
                                        : r.backend);
        }
        const QString jax = r.packages.value(QStringLiteral("jax"));
        if (!r.gpus.isEmpty() && !jax.isEmpty() &&
            r.packages.value(QStringLiteral("jax-cuda12-plugin")).isEmpty())
            r.offers << tr("To train on the GPU, run: %1 -m pip install \"jax[cuda12]==%2\" "
                           "(JAX's CUDA 12 plugin, matching its JAX). Several workers on one GPU "
                           "each take memory as they need it, up to a share "
                           "(qtkeras_worker --gpu-workers N).")
                            .arg(r.interpreter, jax);
        if (!r.workerFound) {
            r.problems << tr("The qtkeras_worker package is not importable");
            r.fixes << tr("Run QtKeras from its build tree, or install it with cmake --install");
        }
    }
    Q_EMIT finished(r);
}

} // namespace qk::app
