// SPDX-License-Identifier: GPL-3.0-or-later
// The command-queue model over a real session: structure checked by QAbstractItemModelTester
// while commands run, fail and settle; thousands of commands in batches; the state filter.
#include "bridge/session/readyfuture.h"
#include "inspectors/commandfiltermodel.h"
#include "inspectors/commandmodel.h"
#include "inspectors/theme.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTimer>
#include <QtTest>

using namespace qk;
using qk::inspectors::CommandFilterModel;
using qk::inspectors::CommandModel;
using qk::test::errorOf;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestCommandModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void rowsFollowRealCommandsUnderTheTester();
    void failedCommandKeepsItsTraceback();
    void stateFilterShowsOnlyChosenStates();
    void clearFinishedKeepsOpenCommands();
    void tenThousandCommandsArriveInBatches();
    void codeColumnSkipsLeadingImports();

private:
    QString stateAt(const QString& id) const;

    std::unique_ptr<Session> m_session;
    std::unique_ptr<CommandModel> m_model;
    std::unique_ptr<CommandFilterModel> m_proxy;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<QAbstractItemModelTester> m_proxyTester;
    Decision m_decision = Decision::ignore();
};

void TestCommandModel::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    m_session->setErrorPolicy([this](const CommandFailure&) { return qk::readyFuture(m_decision); },
                              this);
}

void TestCommandModel::cleanupTestCase() {
    m_session.reset();
}

void TestCommandModel::init() {
    m_model = std::make_unique<CommandModel>();
    m_proxy = std::make_unique<CommandFilterModel>();
    m_proxy->setSourceModel(m_model.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_proxyTester = std::make_unique<QAbstractItemModelTester>(
        m_proxy.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(&m_session->events(), &SessionEvents::commandChanged, m_model.get(),
            &CommandModel::apply);
    connect(&m_session->events(), &SessionEvents::commandFailed, m_model.get(),
            &CommandModel::applyFailure);
}

void TestCommandModel::cleanup() {
    m_proxyTester.reset();
    m_tester.reset();
    m_proxy.reset();
    m_model.reset();
}

QString TestCommandModel::stateAt(const QString& id) const {
    const int row = m_model->rowOf(id);
    if (row < 0)
        return QStringLiteral("(no row)");
    return m_model->index(row, CommandModel::StateColumn).data().toString();
}

void TestCommandModel::rowsFollowRealCommandsUnderTheTester() {
    m_decision = Decision::ignore();
    const qk::test::Gate gate;
    QList<QFuture<Value>> futures;
    futures << m_session->run(gate.code(QStringLiteral("'slept'")));
    for (int i = 0; i < 40; ++i)
        futures << m_session->send(
            Command(QStringLiteral("n * 2")).bind(QStringLiteral("n"), Value(i)));
    futures << m_session->run(QStringLiteral("1 / 0"));
    futures << m_session->run(QStringLiteral("6 * 7"));

    // While the first command waits, the monitor shows it running and the others waiting.
    QVERIFY(waitUntil([&] { return stateAt(QStringLiteral("c1")) == QStringLiteral("running"); }));
    QCOMPARE(m_model->rowCount(), 43);
    QCOMPARE(m_model->openCount(), 43);
    gate.open();

    for (const auto& f : futures)
        QVERIFY(waitFinished(f));
    QVERIFY(waitUntil([&] { return m_model->openCount() == 0; }));
    m_model->flush();
    QCOMPARE(m_model->rowCount(), 43);
    const int first = m_model->rowOf(futures.size() > 0 ? QStringLiteral("c1") : QString());
    QCOMPARE(m_model->index(first, CommandModel::ResultColumn).data().toString(),
             QStringLiteral("'slept'"));
    QCOMPARE(m_model->index(first, CommandModel::StateColumn).data().toString(),
             QStringLiteral("succeeded"));
    QVERIFY(!m_model->index(first, CommandModel::DurationColumn).data().toString().isEmpty());
    const int bad = m_model->rowCount() - 2;
    QCOMPARE(m_model->index(bad, CommandModel::StateColumn).data().toString(),
             QStringLiteral("ignored"));
    QVERIFY(m_model->index(bad, CommandModel::ResultColumn)
                .data()
                .toString()
                .contains(QStringLiteral("ZeroDivisionError")));
    QCOMPARE(m_model->index(bad + 1, CommandModel::ResultColumn).data().toString(),
             QStringLiteral("42"));
    QCOMPARE(m_model->index(2, CommandModel::BindingsColumn).data().toString(),
             QStringLiteral("n"));
    QCOMPARE(m_model->index(2, CommandModel::CodeColumn).data().toString(),
             QStringLiteral("n * 2"));
    // The state's colour, made to read on the palette's base.
    const QColor shown =
        m_model->index(bad, CommandModel::StateColumn).data(Qt::ForegroundRole).value<QColor>();
    QCOMPARE(shown, qk::inspectors::readable(CommandModel::stateColour(CommandState::Ignored),
                                             QGuiApplication::palette()));
    QVERIFY(qk::inspectors::contrastRatio(shown,
                                          QGuiApplication::palette().color(QPalette::Base)) >= 4.5);
}

void TestCommandModel::failedCommandKeepsItsTraceback() {
    m_decision = Decision::dropQueue();
    QFuture<Value> f =
        m_session->run(QStringLiteral("def inner():\n    return {}['missing']\ninner()"));
    QVERIFY(waitFinished(f));
    QVERIFY(waitUntil([&] { return m_model->openCount() == 0; }));
    m_model->flush();
    const auto error = errorOf(f);
    QVERIFY(error);
    const int row = m_model->rowOf(error->failure().id);
    QVERIFY(row >= 0);
    QCOMPARE(m_model->info(row).state, CommandState::Failed);
    const auto failure = m_model->failure(row);
    QVERIFY(failure);
    QCOMPARE(failure->type, QStringLiteral("KeyError"));
    QVERIFY(failure->traceback.contains(QStringLiteral("['missing']")));
    QCOMPARE(failure->lineno, 2);
}

void TestCommandModel::stateFilterShowsOnlyChosenStates() {
    m_decision = Decision::dropQueue();
    QFuture<Value> bad = m_session->run(QStringLiteral("import time\ntime.sleep(0.2)\nraise "
                                                       "ValueError('stop')"));
    QFuture<Value> dropped1 = m_session->run(QStringLiteral("1"));
    QFuture<Value> dropped2 = m_session->run(QStringLiteral("2"));
    for (const auto* f : {&bad, &dropped1, &dropped2})
        QVERIFY(waitFinished(*f));
    QVERIFY(waitUntil([&] { return m_model->openCount() == 0; }));
    m_model->flush();
    QCOMPARE(m_model->rowCount(), 3);
    m_proxy->setStates({CommandState::Dropped});
    QCOMPARE(m_proxy->rowCount(), 2);
    for (int row = 0; row < m_proxy->rowCount(); ++row)
        QCOMPARE(m_proxy->index(row, CommandModel::StateColumn).data().toString(),
                 QStringLiteral("dropped"));
    m_proxy->setStates({CommandState::Failed, CommandState::Succeeded});
    QCOMPARE(m_proxy->rowCount(), 1);
    m_proxy->setStates({});
    QCOMPARE(m_proxy->rowCount(), 3);
}

void TestCommandModel::clearFinishedKeepsOpenCommands() {
    QFuture<Value> done = m_session->run(QStringLiteral("'done'"));
    QVERIFY(waitFinished(done));
    const qk::test::Gate gate;
    const QString code = gate.code(QStringLiteral("'slow'"));
    QFuture<Value> slow = m_session->run(code);
    QVERIFY(waitUntil([&] { return m_model->rowCount() == 2 && m_model->openCount() == 1; }));
    m_model->clearFinished();
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(m_model->info(0).code, code);
    gate.open();
    QVERIFY(waitFinished(slow));
    QVERIFY(waitUntil([&] { return m_model->openCount() == 0; }));
    m_model->flush();
    QCOMPARE(m_model->index(0, CommandModel::StateColumn).data().toString(),
             QStringLiteral("succeeded"));
    m_model->clearFinished();
    QCOMPARE(m_model->rowCount(), 0);
}

void TestCommandModel::tenThousandCommandsArriveInBatches() {
    // A view on the filter, as in the monitor, with the tester checking every change.
    QTableView view;
    view.setModel(m_proxy.get());
    view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view.resize(800, 600);
    view.show();
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);

    // How long the GUI thread goes without running a 5 ms timer: a stall probe.
    QElapsedTimer sinceTick;
    qint64 worstGap = 0;
    QTimer probe;
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, this,
            [&] { worstGap = qMax(worstGap, sinceTick.restart()); });
    sinceTick.start();
    probe.start();

    constexpr int count = 10000;
    QElapsedTimer clock;
    clock.start();
    QList<QFuture<Value>> futures;
    futures.reserve(count);
    for (int i = 0; i < count; ++i) {
        futures << m_session->send(
            Command(QStringLiteral("i + 1")).bind(QStringLiteral("i"), Value(i)));
        if (i % 500 == 0)
            QCoreApplication::processEvents();
    }
    const qint64 sendingGap = worstGap;
    worstGap = 0;
    sinceTick.restart();
    QVERIFY(waitUntil([&] { return futures.last().isFinished(); }, 240000));
    QVERIFY(waitUntil([&] { return m_model->openCount() == 0; }, 30000));
    m_model->flush();
    probe.stop();
    qInfo("10,000 commands through the worker and the monitor in %lld ms; %lld row insertions, "
          "%lld dataChanged; longest GUI-thread gap %lld ms while sending, %lld ms after",
          clock.elapsed(), static_cast<long long>(inserted.count()),
          static_cast<long long>(changed.count()), sendingGap, worstGap);

    QCOMPARE(m_model->rowCount(), count);
    QCOMPARE(m_proxy->rowCount(), count);
    QCOMPARE(futures.last().result(), Value(count));
    QCOMPARE(m_model->index(count - 1, CommandModel::ResultColumn).data().toString(),
             QStringLiteral("10000"));
    for (int row : {0, count / 2, count - 1})
        QCOMPARE(m_model->info(row).state, CommandState::Succeeded);
    // Coalesced: far fewer model signals than the 40,000 state changes they carry.
    QVERIFY2(inserted.count() < count / 20, qPrintable(QString::number(inserted.count())));
    QVERIFY2(changed.count() < count / 5, qPrintable(QString::number(changed.count())));
}

// Generated commands start with their imports; the code column shows what they do (issue 12).
void TestCommandModel::codeColumnSkipsLeadingImports() {
    QVERIFY(
        waitFinished(m_session->run(QStringLiteral("import math\nimport os\nmath.floor(2.5)"))));
    QVERIFY(waitFinished(m_session->run(QStringLiteral("import math"))));
    QVERIFY(waitUntil([&] { return m_model->rowCount() == 2 && m_model->openCount() == 0; }));
    m_model->flush();
    QCOMPARE(m_model->index(0, CommandModel::CodeColumn).data().toString(),
             QStringLiteral("math.floor(2.5) …"));
    QCOMPARE(m_model->index(1, CommandModel::CodeColumn).data().toString(),
             QStringLiteral("import math"));
}

QTEST_MAIN(TestCommandModel)
#include "tst_commandmodel.moc"
