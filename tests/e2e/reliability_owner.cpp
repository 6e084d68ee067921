// SPDX-License-Identifier: GPL-3.0-or-later
// A stand-in for the IDE in the reliability tests: it owns a Session, has the worker start a
// child (which starts a grandchild), prints "<worker pid> <child pid> <grandchild pid>" and
// waits to be killed.
#include "bridge/session/session.h"
#include "support/testsupport.h"

#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    qk::Session session(qk::test::workerOptions());
    QFuture<qk::WorkerInfo> ready = session.ready();
    if (!qk::test::waitFinished(ready, 60000))
        return 1;
    QFuture<qk::Value> pids = session.run(QStringLiteral(
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import subprocess, time; "
        "g = subprocess.Popen([\"sleep\", \"300\"]); print(g.pid, flush=True); time.sleep(300)'],"
        " stdout=subprocess.PIPE, text=True)\n"
        "grandchild = int(child.stdout.readline())\n"
        "f'{child.pid} {grandchild}'"));
    if (!qk::test::waitFinished(pids, 60000))
        return 1;
    std::printf("%lld %s\n", static_cast<long long>(ready.result().pid),
                qPrintable(pids.result().toString()));
    std::fflush(stdout);
    return app.exec();
}
