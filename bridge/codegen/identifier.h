// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringView>

// Python's rules for names, shared by expressions, statements and imports.
namespace qk::py {

// True when `text` is a Python identifier as str.isidentifier() says (PEP 3131: '_' or a
// character of Unicode's XID_Start, then '_' or XID_Continue) that is already in NFKC form,
// so that Python reads it as the same name. Characters assigned after Unicode 13.0 (the
// Unicode of Python 3.10) are refused: an older Python would not read them as letters.
bool isIdentifier(QStringView text);

// True for Python's reserved keywords. Soft keywords (`match`, `case`, `type`, `_`) are
// valid names.
bool isKeyword(QStringView text);

// Throws std::invalid_argument naming `text` and `role` (e.g. "keyword argument") unless it
// is an identifier and not a keyword.
void requireName(const QString& text, const char* role);

// As requireName, and also refuses `__debug__`, which Python never lets code bind.
void requireBindableName(const QString& text, const char* role);

// Throws std::invalid_argument unless `text` is a dotted module name such as `os.path`.
void requireModuleName(const QString& text);

} // namespace qk::py
