// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/sessionevents.h"

#include "bridge/session/session.h"

#include <QMetaMethod>

namespace qk {

void SessionEvents::forwardTo(SessionEvents* target) const {
    const QMetaObject& meta = staticMetaObject;
    for (int i = meta.methodOffset(); i < meta.methodCount(); ++i) {
        const QMetaMethod signal = meta.method(i);
        if (signal.methodType() == QMetaMethod::Signal)
            connect(this, signal, target, signal);
    }
}

} // namespace qk
