// SPDX-License-Identifier: GPL-3.0-or-later
// The worker's backends in Settings, with real interpreters: the environment check says what
// each backend supports, offers JAX's CUDA plugin on a host whose nvidia-smi lists a GPU, and
// choosing TensorFlow or PyTorch selects (and Create environment makes) that backend's own
// environment. The last needs the environments `scripts/test.sh --backend NAME` makes.
#include "app/backendenvironment.h"
#include "app/environmentcheck.h"
#include "app/settingsdialog.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

namespace {

WorkerOptions testInterpreter() {
    return test::workerOptions().worker;
}

EnvironmentReport check(const WorkerOptions& options) {
    EnvironmentCheck checker;
    QSignalSpy done(&checker, &EnvironmentCheck::finished);
    checker.start(options);
    if (!done.wait(60000))
        return {};
    return done.at(0).at(0).value<EnvironmentReport>();
}

} // namespace

class TestBackendSettings : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void theCheckSaysWhatEachBackendSupports();
    void aHostWithAnNvidiaGpuIsOfferedJaxCudaPlugin();
    void choosingABackendSelectsItsOwnEnvironment_data();
    void choosingABackendSelectsItsOwnEnvironment();
};

void TestBackendSettings::initTestCase() {
    test::useFreshSettings();
}

void TestBackendSettings::theCheckSaysWhatEachBackendSupports() {
    WorkerOptions options = testInterpreter();
    options.backend = QStringLiteral("jax");
    const EnvironmentReport report = check(options);
    QVERIFY2(report.ran, qPrintable(report.toText()));
    const QStringList lines = report.backendSupport();
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines.at(0).startsWith("JAX (0.10.2 installed)"), qPrintable(lines.at(0)));
    QVERIFY(lines.at(0).contains("several devices and processes"));
    for (const QString& line : lines.mid(1)) {
        QVERIFY2(line.contains("Keras' distribution API is JAX-only"), qPrintable(line));
        QVERIFY2(line.contains("qtkeras-setup-python --backend"), qPrintable(line));
    }
    const QString text = report.toText();
    QVERIFY(text.contains("Backends:"));
    QVERIFY2(text.contains("GPUs: none"), qPrintable(text));
    QVERIFY(report.offers.isEmpty());
}

void TestBackendSettings::aHostWithAnNvidiaGpuIsOfferedJaxCudaPlugin() {
    // A stand-in for NVIDIA's tool, first on PATH: what nvidia-smi prints on a GPU host.
    QTemporaryDir bin;
    QFile tool(bin.filePath(QStringLiteral("nvidia-smi")));
    QVERIFY(tool.open(QIODevice::WriteOnly));
    tool.write("#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 40960 MiB'\n");
    tool.close();
    tool.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", bin.path().toUtf8() + ':' + path);
    WorkerOptions options = testInterpreter();
    options.backend = QStringLiteral("jax");
    const EnvironmentReport report = check(options);
    qputenv("PATH", path);
    QCOMPARE(report.gpus, QStringList{"NVIDIA A100-SXM4-40GB, 40960 MiB"});
    QCOMPARE(report.offers.size(), 1);
    QVERIFY2(report.offers.front().contains("-m pip install \"jax[cuda12]==0.10.2\""),
             qPrintable(report.offers.front()));
    QVERIFY(report.problems.isEmpty());
    QVERIFY(report.toText().contains("GPUs: NVIDIA A100-SXM4-40GB, 40960 MiB"));
}

void TestBackendSettings::choosingABackendSelectsItsOwnEnvironment_data() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("tensorflow") << QStringLiteral("tensorflow");
    QTest::newRow("torch") << QStringLiteral("torch");
}

void TestBackendSettings::choosingABackendSelectsItsOwnEnvironment() {
    QFETCH(QString, backend);
    if (!BackendEnvironment::exists(backend))
        QSKIP("no environment for this backend: scripts/test.sh --backend NAME makes it");
    SettingsDialog dialog(WorkerOptions{});
    dialog.backendBox()->setCurrentText(backend);
    QCOMPARE(dialog.pythonEdit()->text(), BackendEnvironment::interpreter(backend));
    // Create environment on a complete environment finds it complete and selects it.
    dialog.pythonEdit()->clear();
    QVERIFY(dialog.createButton()->isEnabled());
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QVERIFY(waitUntil([&] { return dialog.createButton()->isEnabled(); }, 600000));
    QVERIFY2(dialog.reportText().contains("environment is ready"), qPrintable(dialog.reportText()));
    QCOMPARE(dialog.pythonEdit()->text(), BackendEnvironment::interpreter(backend));
    QTest::mouseClick(dialog.checkButton(), Qt::LeftButton);
    QVERIFY(waitUntil([&] { return dialog.checkButton()->isEnabled(); }, 60000));
    QVERIFY2(dialog.reportText().contains(
                 QStringLiteral("Everything the worker needs is there (backend: %1)").arg(backend)),
             qPrintable(dialog.reportText()));
    QCOMPARE(dialog.options().backend, backend);
    // Back on JAX, the default interpreter.
    dialog.backendBox()->setCurrentText(QStringLiteral("jax"));
    QVERIFY(dialog.pythonEdit()->text().isEmpty());
    QVERIFY(!dialog.createButton()->isEnabled());
}

QTEST_MAIN(TestBackendSettings)
#include "tst_backendsettings.moc"
