// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/identifier.h"

#include <QStringList>

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace qk::py {
namespace {

// Unicode's Other_ID_Start and Other_ID_Continue: characters kept in identifiers for
// stability although their category would not admit them.
bool isOtherIdStart(char32_t c) {
    return c == 0x1885 || c == 0x1886 || c == 0x2118 || c == 0x212E || c == 0x309B || c == 0x309C;
}

bool isOtherIdContinue(char32_t c) {
    return c == 0x00B7 || c == 0x0387 || (c >= 0x1369 && c <= 0x1371) || c == 0x19DA;
}

// Pattern_Syntax characters that a letter category would otherwise admit.
bool isPatternSyntaxLetter(char32_t c) {
    return c == 0x2E2F;
}

// Unicode's ID_Start (Python admits '_' too).
bool isIdStart(char32_t c) {
    if (isPatternSyntaxLetter(c))
        return false;
    switch (QChar::category(c)) {
    case QChar::Letter_Uppercase:
    case QChar::Letter_Lowercase:
    case QChar::Letter_Titlecase:
    case QChar::Letter_Modifier:
    case QChar::Letter_Other:
    case QChar::Number_Letter:
        return true;
    default:
        return isOtherIdStart(c);
    }
}

// Unicode's ID_Continue.
bool isIdContinue(char32_t c) {
    if (isIdStart(c) || isOtherIdContinue(c))
        return true;
    switch (QChar::category(c)) {
    case QChar::Mark_NonSpacing:
    case QChar::Mark_SpacingCombining:
    case QChar::Number_DecimalDigit:
    case QChar::Punctuation_Connector:
        return true;
    default:
        return false;
    }
}

// Characters that every supported Python knows: 3.10 reads Unicode 13.0, and a character
// assigned later may not be a letter to it.
bool isKnownToEveryPython(char32_t c) {
    return c < 0x80 || QChar::unicodeVersion(c) <= QChar::Unicode_13_0;
}

[[noreturn]] void reject(const QString& text, const char* role, const char* why) {
    throw std::invalid_argument(QStringLiteral("'%1' is not a valid Python %2: %3")
                                    .arg(text, QString::fromUtf8(role), QString::fromUtf8(why))
                                    .toStdString());
}

} // namespace

bool isIdentifier(QStringView text) {
    if (text.isEmpty() ||
        text.toString() != text.toString().normalized(QString::NormalizationForm_KC))
        return false;
    const QList<uint> codePoints = text.toUcs4();
    for (qsizetype i = 0; i < codePoints.size(); ++i) {
        const char32_t c = codePoints[i];
        if (c == U'_')
            continue;
        if (!isKnownToEveryPython(c) || !(i == 0 ? isIdStart(c) : isIdContinue(c)))
            return false;
    }
    return true;
}

bool isKeyword(QStringView text) {
    static constexpr const char16_t* keywords[] = {
        u"False",  u"None",   u"True",    u"and",      u"as",       u"assert", u"async",
        u"await",  u"break",  u"class",   u"continue", u"def",      u"del",    u"elif",
        u"else",   u"except", u"finally", u"for",      u"from",     u"global", u"if",
        u"import", u"in",     u"is",      u"lambda",   u"nonlocal", u"not",    u"or",
        u"pass",   u"raise",  u"return",  u"try",      u"while",    u"with",   u"yield"};
    return std::any_of(std::begin(keywords), std::end(keywords),
                       [&](const char16_t* keyword) { return text == QStringView(keyword); });
}

void requireName(const QString& text, const char* role) {
    if (isKeyword(text))
        reject(text, role, "it is a keyword");
    if (!isIdentifier(text))
        reject(text, role, "it is not an identifier");
}

void requireBindableName(const QString& text, const char* role) {
    requireName(text, role);
    if (text == QLatin1String("__debug__"))
        reject(text, role, "Python does not allow binding __debug__");
}

void requireModuleName(const QString& text) {
    const QStringList parts = text.split(QLatin1Char('.'));
    for (const QString& part : parts) {
        if (isKeyword(part) || !isIdentifier(part))
            reject(text, "module name", "each dotted part must be an identifier and not a keyword");
    }
}

} // namespace qk::py
