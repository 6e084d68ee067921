// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerhandle.h"

#include <QByteArray>
#include <QString>

namespace qk {

// The worker package the bootstrap unpacks on a remote host: zlib of `path NUL size NUL
// bytes` records, named by the SHA-256 of the records.
struct RemotePackage {
    QByteArray hash;
    QByteArray bytes;
    QString bootstrap; // the path of bootstrap.py
};

// The package of the worker's sources on the options' Python path; empty when they are not
// found.
RemotePackage workerPackage(const WorkerOptions& options);

} // namespace qk
