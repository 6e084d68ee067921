// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/appearance.h"

#include "app/setting.h"
#include "inspectors/theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace qk::app {

namespace {

const Setting<QString> themeSetting{"appearance/theme", QStringLiteral("system")};

QPalette& systemPalette() {
    static QPalette palette;
    return palette;
}

} // namespace

void rememberSystemPalette() {
    systemPalette() = QApplication::palette();
}

void applyTheme(Theme theme) {
    // Fusion draws every role of a palette it is given; the platform's style may not.
    if (theme != Theme::System && QApplication::style()->name() != QLatin1String("fusion"))
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    switch (theme) {
    case Theme::System:
        QApplication::setPalette(systemPalette());
        break;
    case Theme::Light:
        QApplication::setPalette(inspectors::lightPalette());
        break;
    case Theme::Dark:
        QApplication::setPalette(inspectors::darkPalette());
        break;
    }
}

Theme savedTheme() {
    const QString name = themeSetting.value();
    if (name == QLatin1String("dark"))
        return Theme::Dark;
    if (name == QLatin1String("light"))
        return Theme::Light;
    return Theme::System;
}

void saveTheme(Theme theme) {
    themeSetting.setValue(theme == Theme::Dark    ? QStringLiteral("dark")
                          : theme == Theme::Light ? QStringLiteral("light")
                                                  : QStringLiteral("system"));
}

} // namespace qk::app
