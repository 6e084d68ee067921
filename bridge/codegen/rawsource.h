// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <vector>

// Trusted Python text embedded in generated source: checked so that it cannot swallow or break
// the code around it, and indented without touching what its string literals hold.
namespace qk::py {

// What a scan of Python source text found.
struct SourceScan {
    int bracketDepth = 0;    // the deepest nesting of (), [] and {}
    bool hasComment = false; // a '#' comment outside string literals
    // Positions just after each line break that lies outside string literals: where a line
    // of code (or of a comment) begins.
    std::vector<qsizetype> lineStarts;
};

// Scans `text` as Python tokens (strings with their prefixes, comments, brackets, line
// continuations). Throws std::invalid_argument, naming `role` ("raw expression"), when the text
// could not be embedded as it is: a NUL character, a lone surrogate, a string literal left
// open, brackets that do not match, or a backslash continuation at the very end.
SourceScan scanSource(const QString& text, const char* role);

// `text` with `indent` put at the start of every line after the first that begins outside a
// string literal, so that a multi-line statement can be nested in a block.
QString indentedSource(const QString& text, const QString& indent);

} // namespace qk::py
