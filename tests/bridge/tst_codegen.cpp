// SPDX-License-Identifier: GPL-3.0-or-later
// The Python source DSL, checked by the real interpreter: each row's generated source must
// parse and evaluate to the value that the row writes by hand in Python.

#include "bridge/codegen/python.h"

#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>
#include <QVersionNumber>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>

using qk::BigInt;
using qk::Value;
using namespace qk::py;

using Builder = std::function<void()>;
Q_DECLARE_METATYPE(Builder)

namespace {

// One row: the DSL's output and the intended value as a hand-written Python expression.
// A program is exec'd except for its last statement, an expression that gives the value.
struct Case {
    const char* name;
    QString source;
    QString expected;
    bool program = false;
};

struct Outcome {
    bool ok = false;
    QString detail;
};

// Evaluates every case in one interpreter; reads a JSON list on stdin, writes results.
const char* const checker = R"py(
import ast, json, math, sys

# Generated ints must read back under the strictest limit Python allows.
sys.set_int_max_str_digits(640)

def big(digits):
    sys.set_int_max_str_digits(0)
    try:
        return int(digits)
    finally:
        sys.set_int_max_str_digits(640)

def same(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is float:
        equal = a == b or (math.isnan(a) and math.isnan(b))
        return equal and math.copysign(1.0, a) == math.copysign(1.0, b)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(map(same, a, b))
    if type(a) is dict:
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    return a == b

def run(source, program):
    if not program:
        ast.parse(source, mode="eval")
        return eval(compile(source, "<generated>", "eval"), {})
    tree = ast.parse(source, mode="exec")
    compile(source, "<generated>", "exec")
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError("the program does not end with an expression")
    last = ast.Expression(tree.body.pop().value)
    scope = {}
    exec(compile(tree, "<generated>", "exec"), scope)
    return eval(compile(last, "<generated>", "eval"), scope)

results = []
for case in json.loads(sys.stdin.buffer.read().decode("utf-8")):
    try:
        expected = eval(case["expected"], {"big": big})
        actual = run(case["source"], case["program"])
        ok = same(actual, expected)
        detail = "" if ok else f"got {actual!r:.300}, expected {expected!r:.300}"
    except Exception as e:
        ok, detail = False, f"{type(e).__name__}: {e}"
    results.append({"name": case["name"], "ok": ok, "detail": detail})
json.dump(results, sys.stdout)
)py";

QString fromUtf8(const char* text) {
    return QString::fromUtf8(text);
}

Expr name(const char* identifier) {
    return Expr::name(fromUtf8(identifier));
}

std::vector<Case> cases() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<Case> rows;
    auto expr = [&](const char* rowName, const Expr& e, const char* expected) {
        rows.push_back({rowName, e.source(), fromUtf8(expected)});
    };
    auto program = [&](const char* rowName, const Program& p, const char* expected) {
        rows.push_back({rowName, p.source(), fromUtf8(expected), true});
    };

    // Scalars.
    expr("none", nullptr, "None");
    expr("bools", Expr::list({true, false}), "[True, False]");
    expr("int64 min", std::numeric_limits<std::int64_t>::min(), "-2**63");
    expr("int64 max", std::numeric_limits<std::int64_t>::max(), "2**63 - 1");
    expr("uint64 max", std::numeric_limits<unsigned long long>::max(), "2**64 - 1");
    expr("big int", BigInt{"340282366920938463463374607431768211457"}, "2**128 + 1");
    expr("negative big int", BigInt{"-18446744073709551616"}, "-(2**64)");
    expr("big int leading zeros", BigInt{"-000123"}, "-123");
    expr("float tenth", 0.1, "1 / 10");
    expr("float whole", 1.0, "float(1)");
    expr("float 1e16", 1e16, "10.0 ** 16");
    expr("float 1e15", 1e15 + 0.5, "1000000000000000.5");
    expr("float tiny", 1.5e-7, "15 / 10**8");
    expr("float denormal", 5e-324, "__import__('sys').float_info.min * 2**-52");
    expr("float max", std::numeric_limits<double>::max(), "__import__('sys').float_info.max");
    expr("float pi", 3.141592653589793, "__import__('math').pi");
    expr("nan", nan, "float('NaN')");
    expr("negative nan", -nan, "-float('NaN')");
    expr("infinities", Expr::list({inf, -inf}), "[1e999, -1e999]");
    expr("negative zero", -0.0, "__import__('math').copysign(0.0, -1)");
    expr("nan in a tuple", Value::tuple({nan, 1.0}), "(float('nan'), 1.0)");

    // Strings and bytes.
    expr("empty string", "", "str()");
    expr("quotes", "it's \"quoted\" ''' \"\"\"",
         "chr(105) + \"t's \" + chr(34) + 'quoted' + chr(34) + \" ''' \" + chr(34) * 3");
    expr("backslashes", "C:\\path\\to\\new\\x41\\\\",
         "'C:' + chr(92) + 'path' + chr(92) + 'to' + chr(92) + 'new' + chr(92) + 'x41' + chr(92) * "
         "2");
    expr("line breaks and tabs", "a\nb\r\nc\td\x0b\x0c",
         "'a' + chr(10) + 'b' + chr(13) + chr(10) + 'c' + chr(9) + 'd' + chr(11) + chr(12)");
    expr("nul and controls", QString::fromLatin1("x\0y\x01\x1b\x7f", 6),
         "'x' + ''.join(map(chr, [0, ord('y'), 1, 27, 127]))");
    expr("latin and cjk", "Grüße, 東京, ﬁ", "'Gr\\u00fc\\u00dfe, \\u6771\\u4eac, \\ufb01'");
    expr("line separators and invisible", fromUtf8("\u2028\u2029\u0085\ufeff\u200b\u00a0\u00ad"),
         "''.join(map(chr, [0x2028, 0x2029, 0x85, 0xfeff, 0x200b, 0xa0, 0xad]))");
    expr("combining and rtl", fromUtf8("e\u0301 \u05e9\u05dc\u05d5\u05dd"),
         "'e' + chr(0x301) + ' ' + ''.join(map(chr, [0x5e9, 0x5dc, 0x5d5, 0x5dd]))");
    expr("non-BMP", fromUtf8("\U0001F600 \U0010FFFF \U000E0001"),
         "chr(0x1F600) + ' ' + chr(0x10FFFF) + ' ' + chr(0xE0001)");
    expr("lone high surrogate", QString(QChar(0xD800)) + QLatin1Char('a'), "chr(0xD800) + 'a'");
    expr("lone low surrogate at end", QStringLiteral("a") + QChar(0xDFFF), "'a' + chr(0xDFFF)");
    expr("reversed surrogate pair", QString(QChar(0xDC00)) + QChar(0xD800),
         "chr(0xDC00) + chr(0xD800)");
    expr("private use and unassigned", fromUtf8("\ue000\U000F0000") + QChar(0x0378),
         "chr(0xE000) + chr(0xF0000) + chr(0x378)");
    expr("every byte", QByteArray::fromStdString([] {
             std::string all;
             for (int i = 0; i < 256; ++i)
                 all += static_cast<char>(i);
             return all;
         }()),
         "bytes(range(256))");
    expr("empty bytes", QByteArray(), "bytes()");

    // Random bit patterns and code units, with the intended value decoded from raw bytes.
    QRandomGenerator random(20240611);
    std::vector<Expr> doubles;
    QByteArray doubleBytes;
    for (int i = 0; i < 2000; ++i) {
        const quint64 bits = random.generate64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        doubles.push_back(d);
        doubleBytes.append(reinterpret_cast<const char*>(&bits), sizeof bits);
    }
    rows.push_back(
        {"random doubles", Expr::list(doubles).source(),
         QStringLiteral("list(__import__('struct').unpack('<2000d', bytes.fromhex('%1')))")
             .arg(QString::fromLatin1(doubleBytes.toHex()))});
    QString text;
    for (int i = 0; i < 4000; ++i)
        text += QChar(static_cast<char16_t>(random.bounded(0x10000)));
    rows.push_back({"random utf-16", Expr(text).source(),
                    QStringLiteral("bytes.fromhex('%1').decode('utf-16-le', 'surrogatepass')")
                        .arg(QString::fromLatin1(
                            QByteArray(reinterpret_cast<const char*>(text.utf16()), text.size() * 2)
                                .toHex()))});

    // Containers.
    expr("one-element tuple", Value::tuple({1}), "tuple([1])");
    expr("empty tuple", Value::tuple({}), "tuple()");
    expr("nested one-element tuples", Value::tuple({Value::tuple({Value::tuple({})})}),
         "tuple([tuple([tuple()])])");
    expr("empty containers", Value::List{Value::List{}, Value::Dict{}, Value::tuple({})},
         "[list(), dict(), tuple()]");
    expr("nested literal",
         Value::List{1, Value::tuple({2.5, "x"}),
                     Value::dict({{"k", Value::List{nullptr, true}}, {"", Value::Dict{}}})},
         "[1, (2.5, 'x'), {'k': [None, True], '': {}}]");
    expr("non-string dict keys",
         Value::Dict{{1, "int"},
                     {2.5, "float"},
                     {nullptr, "none"},
                     {Value::tuple({1, "a"}), "tuple"},
                     {QByteArray("k"), "bytes"},
                     {BigInt{"99999999999999999999"}, "big"},
                     {-0.5, "negative"}},
         "dict([(1, 'int'), (2.5, 'float'), (None, 'none'), ((1, 'a'), 'tuple'), (b'k', "
         "'bytes'), (10**20 - 1, 'big'), (-1 / 2, 'negative')])");
    expr(
        "dsl containers",
        Expr::dict({{Expr::tuple({1, 2}), Expr::list({Expr::tuple({3})})}, {"e", Expr::tuple({})}}),
        "{(1, 2): [(3,)], 'e': ()}");
    expr("tuple as argument", name("len").call({Expr::tuple({1, 2, 3})}), "3");

    // Attributes, calls, subscripts, negation, raw.
    expr("attribute of int", Expr(1).attr("real"), "1");
    expr("method of negative int", Expr(-1).attr("bit_length").call(), "1");
    expr("method of float", Expr(1.5).attr("as_integer_ratio").call(), "(3, 2)");
    expr("method of negative float", Expr(-2.5).attr("is_integer").call(), "False");
    expr("method of nan", Expr(nan).attr("hex").call(), "'nan'");
    expr("method of big int", Expr(BigInt{"18446744073709551616"}).attr("bit_length").call(), "65");
    expr("method of string", Expr("a,b").attr("split").call({","}), "['a', 'b']");
    expr("method of negated", (-Expr(3)).attr("bit_length").call(), "2");
    expr("positional and keyword",
         name("sorted").call({Expr::list({3, 1, 2})}, {{"reverse", true}}), "[3, 2, 1]");
    expr("nested calls",
         name("dict").call({},
                           {{"a", name("len").call({"xyz"})}, {"b", name("max").call({1, 5, -3})}}),
         "{'a': 3, 'b': 5}");
    expr("keyword order kept", name("dict").call({}, {{"z", 1}, {"a", 2}, {"m", 3}}),
         "{'z': 1, 'a': 2, 'm': 3}");
    expr("soft keywords as keywords",
         name("dict").call({}, {{"match", 1}, {"case", 2}, {"type", 3}, {"_", 4}}),
         "{'match': 1, 'case': 2, 'type': 3, '_': 4}");
    expr("unicode keyword", name("dict").call({}, {{fromUtf8("größe"), 1}}),
         "{'gr\\xf6\\xdfe': 1}");
    expr("subscript negative", Expr("hello")[-1], "'o'");
    expr("subscript tuple key", Expr::dict({{Expr::tuple({1, 2}), "x"}}).index(Expr::tuple({1, 2})),
         "'x'");
    expr("subscript of call", name("list").call({name("range").call({10})})[-2], "8");
    expr("chained subscripts", Expr(Value::List{Value::List{1, 2}, Value::List{3, 4}})[1][0], "3");
    expr("negate literal", -Expr(5), "-5");
    expr("negate negative", -Expr(-5), "5");
    expr("negate negative zero", -Expr(-0.0), "0.0");
    expr("negate call", -name("abs").call({-3}), "-3");
    expr("raw attribute", Expr::raw("1 + 2").attr("bit_length").call(), "2");
    expr("negate raw", -Expr::raw("1 + 2"), "-3");
    expr("raw call", Expr::raw("lambda v, w=1: v * 2 + w").call({20}, {{"w", 2}}), "42");
    expr("raw in list", Expr::list({Expr::raw("'a' if True else 'b'"), 1}), "['a', 1]");

    // Raw expressions that span lines or end in a comment.
    expr("raw with a comment", name("abs").call({Expr::raw("-5  # a comment")}), "5");
    expr("raw over lines", Expr::list({Expr::raw("[1,\n 2]  # two"), 3}), "[[1, 2], 3]");
    expr("raw string with hash and lines",
         Expr::raw("'''a\n# kept\nb''' + \"#\" + r'\\d' # c").attr("upper").call(),
         "'A' + chr(10) + '# KEPT' + chr(10) + 'B#' + chr(92) + 'D'");
    expr("raw with continuation", Expr::raw("1 + \\\n 2"), "3");

    // Ints beyond Python's limits for literals, read back under its strictest limit.
    const QString nines = QStringLiteral("9").repeated(5000);
    expr("int of 641 digits", BigInt{QStringLiteral("1") + QStringLiteral("0").repeated(640)},
         "10**640");
    expr("int beyond 4300 digits", BigInt{nines}, "10**5000 - 1");
    expr("int with zero runs",
         BigInt{QStringLiteral("7") + QStringLiteral("0").repeated(3000) + QStringLiteral("5")},
         "7 * 10**3001 + 5");
    const QString mixed = QStringLiteral("1234567890").repeated(10000);
    rows.push_back({"negative int of 100000 digits",
                    Expr(BigInt{QLatin1Char('-') + mixed}).source(),
                    QStringLiteral("-big('%1')").arg(mixed)});
    expr("method of a huge int", Expr(BigInt{nines}).attr("bit_length").call(),
         "(10**5000 - 1).bit_length()");
    expr("huge ints in a tuple",
         Value::tuple({BigInt{QLatin1Char('-') + QStringLiteral("9").repeated(700)}, 1}),
         "(-(10**700 - 1), 1)");

    // Nesting up to the limit.
    Expr nestedList = 1;
    for (int i = 1; i < Expr::maxDepth; ++i)
        nestedList = Expr::list({nestedList});
    rows.push_back({"list nested to the limit", nestedList.source(),
                    QStringLiteral("eval('[' * %1 + '1' + ']' * %1)").arg(Expr::maxDepth - 1)});
    Value nestedValue = 1;
    for (int i = 1; i < Expr::maxDepth; ++i)
        nestedValue = Value::tuple({nestedValue});
    rows.push_back({"literal nested to the limit", Expr(nestedValue).source(),
                    QStringLiteral("eval('(' * %1 + '1' + ',)' * %1)").arg(Expr::maxDepth - 1)});
    Expr chain = "Ab";
    for (int i = 0; i < (Expr::maxDepth - 1) / 2; ++i)
        chain = chain.attr(i % 2 ? "upper" : "lower").call();
    expr("call chain to the limit", chain, "'ab'");

    // Names by Python's rules: Unicode letters (PEP 3131), soft keywords.
    program("unicode and soft-keyword names",
            {Statement::assign(name("größe"), 1), Statement::assign(name("名前"), 2),
             Statement::assign(name("x·y"), 3), Statement::assign(name("℘"), 4),
             Statement::assign(name("ᾈ"), 5), Statement::assign(name("type"), 6),
             Statement::assign(name("match"), 7), Statement::assign(name("_"), 8),
             Expr::list({name("größe"), name("名前"), name("x·y"), name("℘"), name("ᾈ"),
                         name("type"), name("match"), name("_")})},
            "[1, 2, 3, 4, 5, 6, 7, 8]");

    // Blocks, with statements nested and raw lines indented outside their strings.
    program(
        "with blocks",
        {Statement::importModule("contextlib"),
         Statement::with(
             name("contextlib").attr("nullcontext").call({5}),
             {Statement::assign(name("w"), name("v")),
              Statement::raw("s = '''line\n    kept'''  # a comment"),
              Statement::with(name("contextlib").attr("suppress").call({name("ZeroDivisionError")}),
                              {Expr::raw("1 // 0"), Statement::assign(name("w"), 0)})},
             name("v")),
         Expr::tuple({name("w"), name("s")})},
        "(5, 'line' + chr(10) + '    kept')");

    // Programs.
    program("assign and mutate",
            {Statement::assign(name("x"), Expr::list({1, 2})), name("x").attr("append").call({3}),
             name("x")},
            "[1, 2, 3]");
    program("tuple target",
            {Statement::assign(Expr::tuple({name("a"), name("b")}), Value::tuple({1, "two"})),
             Expr::tuple({name("b"), name("a")})},
            "('two', 1)");
    program("nested tuple and list targets",
            {Statement::assign(Expr::tuple({name("a"), Expr::list({name("b"), name("c")})}),
                               Value::tuple({1, "yz"})),
             Expr::tuple({name("a"), name("b"), name("c")})},
            "(1, 'y', 'z')");
    program("attribute and subscript targets",
            {Statement::importModule("types"),
             Statement::assign(name("ns"), name("types").attr("SimpleNamespace").call()),
             Statement::assign(name("ns").attr("d"), Value::Dict{}),
             Statement::assign(name("ns").attr("d")["k"], 1),
             Statement::assign(name("ns").attr("d")[Expr::tuple({1, 2})], 2),
             Statement::assign(Expr::tuple({name("ns").attr("p"), name("ns").attr("d")[3]}),
                               Expr::list({4, 5})),
             Expr::tuple({name("ns").attr("d"), name("ns").attr("p")})},
            "({'k': 1, (1, 2): 2, 3: 5}, 4)");
    program("del several targets",
            {Statement::assign(name("a"), 1), Statement::assign(name("b"), Value::List{1, 2, 3}),
             Statement::assign(name("c"), Value::dict({{"k", 1}, {"j", 2}})),
             Statement::del({name("a"), name("b")[0], name("c")["k"]}),
             Expr::tuple({Expr::raw("'a' in globals()"), name("b"), name("c")})},
            "(False, [2, 3], {'j': 2})");
    program("del tuple target",
            {Statement::assign(Expr::tuple({name("p"), name("q")}), Value::tuple({1, 2})),
             Statement::del({Expr::tuple({name("p"), name("q")})}),
             Expr::raw("[n for n in ('p', 'q') if n in globals()]")},
            "[]");
    program("imports",
            {Statement::importModule("math"), Statement::importModule("os.path"),
             Statement::importModule("collections.abc", "cabc"),
             Statement::importFrom("math", {{"pi", {}}, {"tau", "full_turn"}}),
             Expr::tuple({name("math").attr("floor").call({2.5}),
                          name("os").attr("path").attr("join").call({"a", "b"}),
                          name("cabc").attr("Mapping").attr("__name__"), name("pi"),
                          name("full_turn")})},
            "(2, 'a/b', 'Mapping', 3.141592653589793, 6.283185307179586)");
    Program defined{Statement::raw("def double(v):\n    return 2 * v")};
    Program uses{Statement::assign(name("s"), "line1\nline2 # not a comment\\"),
                 Statement::raw("if True:\n    s += '!'")};
    defined += uses;
    defined.append(Expr::tuple({name("double").call({21}), name("s")}));
    program("raw statements and joined programs", defined,
            "(42, 'line1' + chr(10) + 'line2 # not a comment' + chr(92) + '!')");
    program("expression statements discarded",
            {Statement::assign(name("log"), Value::List{}),
             Statement::expression(name("log").attr("append").call({"first"})),
             name("log").attr("append").call({Value::tuple({"second"})}), name("log")},
            "['first', ('second',)]");
    return rows;
}

} // namespace

class TestCodegen : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void evaluatesToIntendedValue_data();
    void evaluatesToIntendedValue();
    void rendersReadableSource_data();
    void rendersReadableSource();
    void rejectsInvalidInput_data();
    void rejectsInvalidInput();
    void hugeIntsKeepEveryDigitRunShort();
    void identifiersAndKeywordsArePythons();
    void namesListsWhatTheCodeUses();
    void shownFormReadsAsPlainKeras();

private:
    QHash<QString, Outcome> m_outcomes;
};

void TestCodegen::initTestCase() {
    nlohmann::json input = nlohmann::json::array();
    QSet<QString> names;
    for (const Case& c : cases()) {
        QVERIFY2(!names.contains(fromUtf8(c.name)), c.name);
        names.insert(fromUtf8(c.name));
        input.push_back({{"name", c.name},
                         {"source", c.source.toStdString()},
                         {"expected", c.expected.toStdString()},
                         {"program", c.program}});
    }
    QProcess python;
    python.start(QStringLiteral(QTKERAS_TEST_PYTHON),
                 {QStringLiteral("-I"), QStringLiteral("-c"), fromUtf8(checker)});
    QVERIFY2(python.waitForStarted(), qPrintable(python.errorString()));
    python.write(QByteArray::fromStdString(input.dump()));
    python.closeWriteChannel();
    QVERIFY(python.waitForFinished(120000));
    const QByteArray errors = python.readAllStandardError();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0,
             errors.constData());
    const nlohmann::json results =
        nlohmann::json::parse(python.readAllStandardOutput().toStdString());
    for (const auto& result : results)
        m_outcomes.insert(QString::fromStdString(result.at("name").get<std::string>()),
                          {result.at("ok").get<bool>(),
                           QString::fromStdString(result.at("detail").get<std::string>())});
    QCOMPARE(m_outcomes.size(), names.size());
}

void TestCodegen::evaluatesToIntendedValue_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    for (const Case& c : cases())
        QTest::newRow(c.name) << c.source << c.expected;
}

void TestCodegen::evaluatesToIntendedValue() {
    QFETCH(QString, source);
    QFETCH(QString, expected);
    const auto outcome = m_outcomes.constFind(fromUtf8(QTest::currentDataTag()));
    QVERIFY2(outcome != m_outcomes.cend(), "no result from Python");
    QVERIFY2(outcome->ok, qPrintable(QStringLiteral("generated:\n%1\nintended: %2\n%3")
                                         .arg(source, expected, outcome->detail)));
}

void TestCodegen::rendersReadableSource_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* rowName, const QString& source, const char* expected) {
        QTest::newRow(rowName) << source << fromUtf8(expected);
    };
    row("attribute of int", Expr(1).attr("real").source(), "(1).real");
    row("method of negative int", Expr(-1).attr("bit_length").call().source(), "(-1).bit_length()");
    row("nan and infinities",
        Expr::list({std::nan(""), std::numeric_limits<double>::infinity(), -0.0}).source(),
        "[float('nan'), float('inf'), -0.0]");
    row("floats as repr", Expr::list({0.1, 1.0, 1e16, 1e-5, 123456.789, 1e22}).source(),
        "[0.1, 1.0, 1e+16, 1e-05, 123456.789, 1e+22]");
    row("one-element tuple", Expr::tuple({name("x")}).source(), "(x,)");
    row("string escapes", Expr(QString::fromUtf8("'\\\n\0é\U0001F600", 10)).source(),
        "'\\'\\\\\\n\\x00é\U0001F600'");
    row("bytes", Expr(QByteArray("a'\x00\xff", 4)).source(), "b'a\\'\\x00\\xff'");
    row("call", name("f").call({1, name("x")}, {{"k", "v"}}).source(), "f(1, x, k='v')");
    row("negation", (-(-Expr(name("x")))).source(), "-(-x)");
    row("assignment", Statement::assign(Expr::tuple({name("a"), name("b")}), 1).source(),
        "(a, b) = 1");
    row("del", Statement::del({name("a"), name("b").attr("c")}).source(), "del a, b.c");
    row("from import", Statement::importFrom("os.path", {{"join", {}}, {"split", "sp"}}).source(),
        "from os.path import join, split as sp");
    row("import as", Statement::importModule("numpy", "np").source(), "import numpy as np");
    row("program", Program{Statement::assign(name("x"), 1), name("x")}.source(), "x = 1\nx");
    row("raw ending in a comment", Expr::raw("x  # why").attr("y").source(), "(x  # why\n).y");
    row("with block",
        Statement::with(name("ctx"),
                        {Statement::assign(name("a"), 1), Statement::raw("if a:\n    b = 2")},
                        name("c"))
            .source(),
        "with ctx as c:\n    a = 1\n    if a:\n        b = 2");
    row("with one simple statement",
        Statement::with(name("ctx").call(), {name("f").call({1})}).source(), "with ctx(): f(1)");
    row("short big int", Expr(BigInt{"-123"}).source(), "-123");
}

void TestCodegen::rendersReadableSource() {
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QCOMPARE(source, expected);
}

void TestCodegen::rejectsInvalidInput_data() {
    QTest::addColumn<Builder>("build");
    QTest::addColumn<QString>("mentions");
    auto row = [](const char* rowName, Builder build, const char* mentions) {
        QTest::newRow(rowName) << build << fromUtf8(mentions);
    };
    row(
        "empty name", [] { Expr::name({}); }, "''");
    row(
        "name starting with digit", [] { name("1abc"); }, "1abc");
    row(
        "name with dash", [] { name("a-b"); }, "a-b");
    row(
        "name with space", [] { name("a b"); }, "a b");
    row(
        "keyword as name", [] { name("class"); }, "class");
    row(
        "None as name", [] { name("None"); }, "None");
    row(
        "non-NFKC name", [] { name("ﬁle"); }, "ﬁle");
    row(
        "keyword attribute", [] { name("x").attr("def"); }, "def");
    row(
        "invalid attribute", [] { name("x").attr("1x"); }, "1x");
    row(
        "keyword argument keyword",
        [] {
            name("f").call({}, {{"for", 1}});
        },
        "for");
    row(
        "invalid keyword argument",
        [] {
            name("f").call({}, {{"a.b", 1}});
        },
        "a.b");
    row(
        "__debug__ keyword argument",
        [] {
            name("f").call({}, {{"__debug__", 1}});
        },
        "__debug__");
    row(
        "repeated keyword argument",
        [] {
            name("f").call({}, {{"a", 1}, {"a", 2}});
        },
        "'a'");
    row(
        "array literal",
        [] {
            Expr::literal(qk::NdArray::fromVector<double>({1.0, 2.0}));
        },
        "binding");
    row(
        "array inside list",
        [] {
            Expr(Value::List{1, qk::NdArray::scalar(1.0)});
        },
        "binding");
    row(
        "csr literal", [] { Expr::literal(qk::CsrMatrix{}); }, "binding");
    row(
        "reference literal", [] { Expr::literal(qk::Reference("v", "Model", "<Model>")); },
        "binding");
    row(
        "array dict key",
        [] {
            Expr(Value::Dict{{qk::NdArray{}, 1}});
        },
        "binding");
    row(
        "malformed big int", [] { Expr(BigInt{"12a"}); }, "12a");
    row(
        "empty big int", [] { Expr(BigInt{"-"}); }, "'-'");
    row(
        "empty raw", [] { Expr::raw(QStringLiteral("  ")); }, "empty");
    row(
        "assign to literal", [] { Statement::assign(Expr(1), 2); }, "assign");
    row(
        "assign to call", [] { Statement::assign(name("f").call(), 1); }, "f()");
    row(
        "assign to raw", [] { Statement::assign(Expr::raw("x"), 1); }, "(x)");
    row(
        "assign to tuple with call",
        [] {
            Statement::assign(Expr::tuple({name("a"), name("f").call()}), 1);
        },
        "(a, f())");
    row(
        "assign to empty tuple", [] { Statement::assign(Expr::tuple({}), 1); }, "()");
    row(
        "assign to __debug__", [] { Statement::assign(name("__debug__"), 1); }, "__debug__");
    row(
        "del call", [] { Statement::del({name("f").call()}); }, "delete");
    row(
        "del nothing", [] { Statement::del({}); }, "target");
    row(
        "import empty part", [] { Statement::importModule("os..path"); }, "os..path");
    row(
        "import keyword part", [] { Statement::importModule("os.class"); }, "os.class");
    row(
        "import keyword alias", [] { Statement::importModule("numpy", "if"); }, "if");
    row(
        "from import dotted name",
        [] {
            Statement::importFrom("os", {{"path.join", {}}});
        },
        "path.join");
    row(
        "from import nothing", [] { Statement::importFrom("os", {}); }, "name");
    row(
        "raw with an open string", [] { Expr::raw("'abc"); }, "left open");
    row(
        "raw with an open triple quote", [] { Expr::raw("'''abc''"); }, "left open");
    row(
        "raw with an open bracket", [] { Expr::raw("f(1"); }, "never closed");
    row(
        "raw closing what it did not open", [] { Expr::raw("1) + (2"); }, "closes");
    row(
        "raw with crossed brackets", [] { Expr::raw("[1)"); }, "closes");
    row(
        "raw ending in a continuation", [] { Expr::raw("1 + \\"); }, "continuation");
    row(
        "raw with NUL", [] { Expr::raw(QString::fromLatin1("1\0", 2)); }, "NUL");
    row(
        "raw with a lone surrogate",
        [] { Expr::raw(QStringLiteral("'a") + QChar(0xD800) + QStringLiteral("'")); }, "surrogate");
    row(
        "raw nested too deep",
        [] { Expr::raw(QStringLiteral("[").repeated(150) + QStringLiteral("]").repeated(150)); },
        "nested");
    row(
        "raw statement with an open string", [] { Statement::raw("x = '''abc"); }, "left open");
    row(
        "raw statement indented", [] { Statement::raw("# note\n  x = 1"); }, "indented");
    row(
        "raw statement ending in a continuation", [] { Statement::raw("x = 1 + \\"); },
        "continuation");
    row(
        "list nested too deep",
        [] {
            Expr e = 1;
            for (int i = 0; i < Expr::maxDepth; ++i)
                e = Expr::list({e});
        },
        "nested 101 levels");
    row(
        "attribute chain too deep",
        [] {
            Expr e = name("x");
            for (int i = 0; i < 100000; ++i)
                e = e.attr("a");
        },
        "nested 101 levels");
    row(
        "negation chain too deep",
        [] {
            Expr e = name("x");
            for (int i = 0; i < 100000; ++i)
                e = -e;
        },
        "nested");
    row(
        "literal nested too deep",
        [] {
            Value v = 1;
            for (int i = 0; i < Expr::maxDepth; ++i)
                v = Value(Value::List{v});
            Expr::literal(v);
        },
        "nested 101 levels");
    row(
        "literal nested very deep",
        [] {
            Value v = 1;
            for (int i = 0; i < 20000; ++i) {
                Value::List list;
                list.push_back(std::move(v));
                v = Value(std::move(list));
            }
            Expr::literal(v);
        },
        "nested");
    row(
        "with without a body", [] { Statement::with(name("x"), {}); }, "body");
    row(
        "with binding a call", [] { Statement::with(name("x"), {name("y")}, name("f").call()); },
        "f()");
    row(
        "pattern-syntax letter as name", [] { Expr::name(QString(QChar(0x2E2F))); }, "identifier");
    row(
        "letter newer than Unicode 13", [] { Expr::name(QString(QChar(0x0870))); }, "identifier");
    row(
        "middle dot first", [] { Expr::name(QString(QChar(0x00B7))); }, "identifier");
}

void TestCodegen::rejectsInvalidInput() {
    QFETCH(Builder, build);
    QFETCH(QString, mentions);
    try {
        build();
        QFAIL("no std::invalid_argument was thrown");
    } catch (const std::invalid_argument& e) {
        const QString message = fromUtf8(e.what());
        QVERIFY2(message.contains(mentions), qPrintable(message));
    }
}

void TestCodegen::hugeIntsKeepEveryDigitRunShort() {
    for (const int size : {641, 4301, 100000, 1000000}) {
        const QString digits = QStringLiteral("9") +
                               QStringLiteral("0123456789").repeated(size / 10 + 1).left(size - 1);
        const QString source = Expr(BigInt{digits}).source();
        qsizetype run = 0;
        qsizetype longest = 0;
        for (const QChar c : source) {
            run = c.isDigit() ? run + 1 : 0;
            longest = std::max(longest, run);
        }
        QVERIFY2(longest <= 640, qPrintable(QString::number(longest)));
        QVERIFY(source.size() < digits.size() * 2);
    }
}

// Every code point, as the first character of a name and after 'a', against the test
// interpreter's str.isidentifier() (and its NFKC rule); the keywords against keyword.kwlist.
void TestCodegen::identifiersAndKeywordsArePythons() {
    const char* const script = R"py(
import json, keyword, sys, unicodedata
def ok(s):
    return s.isidentifier() and unicodedata.normalize("NFKC", s) == s
start = bytearray(0x110000)
cont = bytearray(0x110000)
for c in range(0x110000):
    if 0xD800 <= c <= 0xDFFF:
        continue
    ch = chr(c)
    start[c] = ok(ch)
    cont[c] = ok("a" + ch)
sys.stdout.write(json.dumps({"start": bytes(start).hex(), "cont": bytes(cont).hex(),
    "unicode": unicodedata.unidata_version, "keywords": keyword.kwlist,
    "soft": keyword.softkwlist}))
)py";
    QProcess python;
    python.start(QStringLiteral(QTKERAS_TEST_PYTHON),
                 {QStringLiteral("-I"), QStringLiteral("-c"), fromUtf8(script)});
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const nlohmann::json tables =
        nlohmann::json::parse(python.readAllStandardOutput().toStdString());
    const QByteArray start =
        QByteArray::fromHex(QByteArray::fromStdString(tables.at("start").get<std::string>()));
    const QByteArray cont =
        QByteArray::fromHex(QByteArray::fromStdString(tables.at("cont").get<std::string>()));
    QCOMPARE(start.size(), 0x110000);
    const QString pythonUnicode = QString::fromStdString(tables.at("unicode").get<std::string>());
    QVERIFY2(QVersionNumber::fromString(pythonUnicode) >= QVersionNumber(13),
             qPrintable(pythonUnicode));

    QStringList wrong;
    int accepted = 0;
    for (char32_t c = 0; c < 0x110000; ++c) {
        if (QChar::isSurrogate(c))
            continue;
        const QString alone = QStringView(QChar::fromUcs4(c)).toString(); // keeps U+FEFF
        for (const bool first : {true, false}) {
            const bool ours = isIdentifier(first ? alone : QStringLiteral("a") + alone);
            const bool theirs = (first ? start : cont).at(c) != 0;
            // A name we accept must be Python's; one Python accepts must be ours unless its
            // character came after Unicode 13.0 (Python 3.10 would not know it), or became an
            // identifier's continuation later: Unicode 15.1 (Python 3.13) added the zero-width
            // joiners and the katakana middle dots to Other_ID_Continue.
            const bool laterContinuation =
                !first && (c == 0x200C || c == 0x200D || c == 0x30FB || c == 0xFF65);
            const bool known = QChar::unicodeVersion(c) != QChar::Unicode_Unassigned &&
                               QChar::unicodeVersion(c) <= QChar::Unicode_13_0 &&
                               !laterContinuation;
            if (ours != theirs && (ours || known) && wrong.size() < 20)
                wrong << QStringLiteral("U+%1 %2: ours %3, Python's %4")
                             .arg(uint(c), 4, 16, QLatin1Char('0'))
                             .arg(first ? QStringLiteral("first") : QStringLiteral("after a"))
                             .arg(ours)
                             .arg(theirs);
            accepted += ours;
        }
    }
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u'\n')));
    QVERIFY(accepted > 200000);

    QStringList keywords;
    for (const auto& k : tables.at("keywords"))
        keywords << QString::fromStdString(k.get<std::string>());
    QCOMPARE(keywords.size(), 35);
    for (const QString& k : keywords)
        QVERIFY2(isKeyword(k), qPrintable(k));
    for (const auto& k : tables.at("soft")) {
        const QString soft = QString::fromStdString(k.get<std::string>());
        QVERIFY2(!isKeyword(soft), qPrintable(soft));
        QCOMPARE(Expr::name(soft).source(), soft);
    }
    for (const char* notKeyword : {"print", "self", "exec", "nonlocals", "Match"})
        QVERIFY2(!isKeyword(fromUtf8(notKeyword)), notKeyword);
}

void TestCodegen::namesListsWhatTheCodeUses() {
    const Program program{
        Statement::importModule("numpy", "np"), Statement::importModule("os.path"),
        Statement::assign(name("x"), name("np").attr("zeros").call({}, {{"shape", name("n")}})),
        Statement::with(name("ctx").call(), {name("f").call({Expr::raw("hidden + 1")})},
                        name("c"))};
    QCOMPARE(program.names(), (QSet<QString>{"np", "os", "x", "n", "ctx", "f", "c"}));
    QCOMPARE(Expr::dict({{"k", name("v")}}).names(), QSet<QString>{"v"});
    QCOMPARE(Expr(1).depth(), 1);
    QCOMPARE(name("f").call({Expr::list({1})}).depth(), 3);
    QCOMPARE(Expr::raw("[[1]]").depth(), 3);
}

// A helper call shown as the Keras call it stands for, wherever it nests, and a `with` shown as
// its body; each line of the code maps to the shown line that shows it.
void TestCodegen::shownFormReadsAsPlainKeras() {
    const Expr model = name("model_abc");
    const Expr fit = name("qk")
                         .attr("fit")
                         .call({model, name("x"), name("y")}, {{"epochs", 3}})
                         .shownAs(model.attr("fit").call({name("x"), name("y")}, {{"epochs", 3}}));
    QCOMPARE(fit.source(), QStringLiteral("qk.fit(model_abc, x, y, epochs=3)"));
    QCOMPARE(fit.shownSource(), QStringLiteral("model_abc.fit(x, y, epochs=3)"));
    QCOMPARE(Expr::list({fit, 1}).shownSource(),
             QStringLiteral("[model_abc.fit(x, y, epochs=3), 1]"));
    QCOMPARE(Expr::list({fit, 1}).source(),
             QStringLiteral("[qk.fit(model_abc, x, y, epochs=3), 1]"));

    const Statement building =
        Statement::with(name("qk").attr("building").call({model}),
                        {model.attr("add").call({1}), Statement::assign(name("h"), fit)})
            .shownAsBody();
    QCOMPARE(building.source(), QStringLiteral("with qk.building(model_abc):\n"
                                               "    model_abc.add(1)\n"
                                               "    h = qk.fit(model_abc, x, y, epochs=3)"));
    QCOMPARE(building.shownSource(),
             QStringLiteral("model_abc.add(1)\nh = model_abc.fit(x, y, epochs=3)"));
    const Program program{Statement::importModule("keras"), building, name("h")};
    QCOMPARE(program.shownSource(), QStringLiteral("import keras\nmodel_abc.add(1)\n"
                                                   "h = model_abc.fit(x, y, epochs=3)\nh"));
    // import, with (shown as its first body line), the two body lines, h.
    QCOMPARE(program.shownLines(), (std::vector<int>{0, 1, 1, 2, 3}));

    // A body on the with's own line is that line; a statement without a shown form is itself.
    const Statement oneLine =
        Statement::with(name("qk").attr("building").call(), {model.attr("add").call({2})})
            .shownAsBody();
    QCOMPARE(oneLine.source(), QStringLiteral("with qk.building(): model_abc.add(2)"));
    QCOMPARE(oneLine.shownSource(), QStringLiteral("model_abc.add(2)"));
    QCOMPARE(oneLine.shownLines(), std::vector<int>{0});
    const Statement plain = Statement::with(name("open").call({"f"}), {name("g").call()});
    QCOMPARE(plain.shownAsBody().shownSource(), QStringLiteral("g()"));
    QCOMPARE(plain.shownSource(), plain.source());
    QCOMPARE(Statement::assign(name("a"), 1).shownAsBody().shownSource(), QStringLiteral("a = 1"));
}

QTEST_GUILESS_MAIN(TestCodegen)
#include "tst_codegen.moc"
