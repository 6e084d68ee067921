#pragma once

#include <QString>
#include <QStringView>

// Python's rules for names, shared by expressions, statements and imports.
namespace qk::py {

// True when `text` is a Python identifier (Unicode letters, digits and '_', not starting
// with a digit) that is already in NFKC form, so that Python reads it as the same name.
bool isIdentifier(QStringView text);

// True for Python's reserved keywords (soft keywords such as `match` are valid names).
bool isKeyword(QStringView text);

// Throws std::invalid_argument naming `text` and `role` (e.g. "keyword argument") unless it
// is an identifier and not a keyword.
void requireName(const QString& text, const char* role);

// As requireName, and also refuses `__debug__`, which Python never lets code bind.
void requireBindableName(const QString& text, const char* role);

// Throws std::invalid_argument unless `text` is a dotted module name such as `os.path`.
void requireModuleName(const QString& text);

} // namespace qk::py
