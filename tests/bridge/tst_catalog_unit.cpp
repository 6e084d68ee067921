// SPDX-License-Identifier: GPL-3.0-or-later
// The catalog parsed from a hand-made worker value, and arguments checked against it.
#include "bridge/codegen/expr.h"
#include "bridge/keras/catalog.h"

#include <QtTest>

#include <optional>

using namespace qk;
using namespace qk::keras;

namespace {

Value parameter(const char* name, const char* kind, std::optional<Value> defaultValue,
                Value types = Value(), const char* constraint = nullptr, bool inherited = false) {
    const bool variadic = QByteArray(kind).startsWith("var");
    Value::Dict d{{"name", name}, {"kind", kind}, {"required", !defaultValue && !variadic}};
    d.emplace_back("has_default", defaultValue.has_value());
    if (defaultValue)
        d.emplace_back("default", *defaultValue);
    if (!types.isNone())
        d.emplace_back("types", types);
    if (constraint)
        d.emplace_back("constraint", constraint);
    d.emplace_back("inherited", inherited);
    return Value(std::move(d));
}

Value entry(const char* group, const char* name, Value::List parameters, bool openKeywords,
            const char* doc = "", const char* category = "core") {
    return Value::dict({{"group", group},
                        {"name", name},
                        {"module", QStringLiteral("keras.%1").arg(QString::fromUtf8(group))},
                        {"kind", "class"},
                        {"category", category},
                        {"doc", doc},
                        {"canonical", name},
                        {"aliases", Value::List{}},
                        {"parameters", std::move(parameters)},
                        {"open_keywords", openKeywords}});
}

// A small catalog: a Dense-like layer, a callable with positional-only and variadic
// parameters and open keywords, and one whose parameter types come from defaults alone.
Catalog sample() {
    const Value dense = entry(
        "layers", "Dense",
        {parameter("units", "positional-or-keyword", std::nullopt, Value::List{"int"}, "positive"),
         parameter("activation", "positional-or-keyword", Value()),
         parameter("use_bias", "positional-or-keyword", true, Value::List{"bool"}),
         parameter("name", "keyword-only", Value(), Value(), nullptr, true),
         parameter("kwargs", "var-keyword", std::nullopt)},
        false, "Just your regular densely-connected NN layer.");
    const Value dropout = entry("layers", "Dropout",
                                {parameter("rate", "positional-or-keyword", std::nullopt,
                                           Value::List{"int", "float"}, "unit-interval"),
                                 parameter("seed", "positional-or-keyword", Value())},
                                false, "Applies dropout to the input.", "regularization");
    const Value relu =
        entry("activations", "relu",
              {parameter("x", "positional-only", std::nullopt),
               parameter("args", "var-positional", std::nullopt),
               parameter("kwargs", "var-keyword", std::nullopt)},
              true, "Applies the rectified linear unit activation function.", "activations");
    const Value defaults =
        entry("callbacks", "EarlyStopping",
              {parameter("monitor", "positional-or-keyword", "val_loss"),
               parameter("min_delta", "positional-or-keyword", 0.0),
               parameter("restore_best_weights", "positional-or-keyword", false),
               parameter("baseline", "positional-or-keyword", Value())},
              false, "Stop training when a monitored metric has stopped improving.", "callbacks");
    return Catalog(Value::dict({{"keras_version", "3.0"},
                                {"backend", "jax"},
                                {"groups", Value::List{"layers", "activations", "callbacks"}},
                                {"entries", Value::List{dense, dropout, relu, defaults}}}));
}

std::optional<CatalogError> refusal(const std::function<void()>& call) {
    try {
        call();
    } catch (const CatalogError& e) {
        return e;
    }
    return std::nullopt;
}

} // namespace

class TestCatalogUnit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesEntriesAndParameters();
    void malformedCatalogIsRefused();
    void searchRanksNamesBeforeDocs();
    void generatesOnlyTheArgumentsGiven();
    void refusals_data();
    void refusals();
    void defaultsDecideTypesWhenNoneAreListed_data();
    void defaultsDecideTypesWhenNoneAreListed();
    void objectsAndExpressionsAreLeftToKeras();
    void checksObjectsBuiltElsewhere();
    void positionalArgumentsAreNamedWherePythonAllows();
};

void TestCatalogUnit::parsesEntriesAndParameters() {
    const Catalog catalog = sample();
    QCOMPARE(catalog.kerasVersion(), QStringLiteral("3.0"));
    QCOMPARE(catalog.groups(), (QStringList{"layers", "activations", "callbacks"}));
    QCOMPARE(catalog.sizes().value("layers"), 2);
    const CatalogEntry& dense = catalog.at("layers", "Dense");
    QCOMPARE(dense.qualifiedName(), QStringLiteral("keras.layers.Dense"));
    QCOMPARE(dense.requiredParameters(), QStringList{"units"});
    QVERIFY(!dense.openKeywords);
    QCOMPARE(dense.parameter("units")->constraint, Constraint::Positive);
    QCOMPARE(dense.parameter("use_bias")->defaultValue, Value(true));
    QVERIFY(dense.parameter("name")->inherited);
    QCOMPARE(dense.parameter("name")->kind, ParameterKind::KeywordOnly);
    QVERIFY(!dense.parameter("kwargs")); // variadic parameters are not named arguments
    const CatalogEntry& relu = catalog.at("activations", "relu");
    QVERIFY(relu.openKeywords && relu.openPositionals);
    QCOMPARE(relu.parameters.front().kind, ParameterKind::PositionalOnly);
    QVERIFY(!catalog.find("layers", "relu"));
}

void TestCatalogUnit::malformedCatalogIsRefused() {
    QVERIFY_THROWS_EXCEPTION(CatalogError, Catalog(Value(3)));
    QVERIFY_THROWS_EXCEPTION(CatalogError, Catalog(Value::dict({{"entries", 1}})));
    const Value noParameters = Value::dict({{"group", "layers"}, {"name", "Dense"}});
    QVERIFY_THROWS_EXCEPTION(CatalogError,
                             Catalog(Value::dict({{"entries", Value::List{noParameters}}})));
    const Value badKind =
        entry("layers", "Dense", {parameter("units", "sideways", std::nullopt)}, false);
    QVERIFY_THROWS_EXCEPTION(CatalogError,
                             Catalog(Value::dict({{"entries", Value::List{badKind}}})));
    const Value twice = entry("layers", "Dense", {}, false);
    QVERIFY_THROWS_EXCEPTION(CatalogError,
                             Catalog(Value::dict({{"entries", Value::List{twice, twice}}})));
}

void TestCatalogUnit::searchRanksNamesBeforeDocs() {
    const Catalog catalog = sample();
    const auto hits = catalog.search("dro");
    QCOMPARE(hits.size(), size_t{1});
    QCOMPARE(hits.front()->name, QStringLiteral("Dropout"));
    // Only relu's doc says "linear"; no name does.
    const auto byDoc = catalog.search("LINEAR");
    QCOMPARE(byDoc.size(), size_t{1});
    QCOMPARE(byDoc.front()->name, QStringLiteral("relu"));
    const auto ranked = catalog.search("re");
    QVERIFY(ranked.size() >= 2);
    QCOMPARE(ranked.front()->name, QStringLiteral("relu"));     // by name
    QCOMPARE(catalog.search("re", "layers").size(), size_t{2}); // "regular", "regularization"
    QVERIFY(catalog.search("zzz").empty());
}

void TestCatalogUnit::generatesOnlyTheArgumentsGiven() {
    const Catalog catalog = sample();
    const KerasObject dense = catalog.layer("Dense", {16}, {{"activation", "relu"}, {"name", "h"}});
    QCOMPARE(dense.expr().source(),
             QStringLiteral("keras.layers.Dense(16, activation='relu', name='h')"));
    QCOMPARE(catalog.layer("Dense", {}, {{"units", 2}}).expr().source(),
             QStringLiteral("keras.layers.Dense(units=2)"));
    // Open signatures take anything beyond the listed parameters.
    QCOMPARE(
        catalog.instantiate("activations", "relu", {1, 2, 3}, {{"max_value", 6.0}}).expr().source(),
        QStringLiteral("keras.activations.relu(1, 2, 3, max_value=6.0)"));
}

void TestCatalogUnit::refusals_data() {
    QTest::addColumn<QString>("group");
    QTest::addColumn<QString>("name");
    QTest::addColumn<Value>("positional");
    QTest::addColumn<Value>("keywords");
    QTest::addColumn<QString>("parameter");
    QTest::addColumn<QString>("phrase");
    const auto row = [](const char* tag, const char* group, const char* name, Value::List pos,
                        Value::Dict kw, const char* parameter, const char* phrase) {
        QTest::newRow(tag) << QString::fromUtf8(group) << QString::fromUtf8(name)
                           << Value(std::move(pos)) << Value(std::move(kw))
                           << QString::fromUtf8(parameter) << QString::fromUtf8(phrase);
    };
    row("unknown keyword", "layers", "Dense", {3}, {{"unit", 3}}, "unit",
        "keras.layers.Dense: unknown keyword argument 'unit' (did you mean 'units'?)");
    row("unknown far keyword", "layers", "Dense", {3}, {{"colour", 3}}, "colour",
        "unknown keyword argument 'colour'");
    row("missing", "layers", "Dense", {}, {{"use_bias", true}}, "units",
        "keras.layers.Dense: missing required argument 'units'");
    row("too many", "layers", "Dense", {3, Value(), true, 4}, {}, "#4",
        "keras.layers.Dense takes at most 3 positional argument(s) (units, activation, use_bias) "
        "but 4 were given");
    row("twice", "layers", "Dense", {3}, {{"units", 4}}, "units",
        "'units' is given both by position and by keyword");
    row("str for int", "layers", "Dense", {"3"}, {}, "units",
        "keras.layers.Dense: argument 'units' must be int, not str ('3')");
    row("bool for int", "layers", "Dense", {true}, {}, "units", "must be int, not bool");
    row("float for int", "layers", "Dense", {3.0}, {}, "units", "must be int, not float");
    row("int for bool", "layers", "Dense", {3}, {{"use_bias", 0}}, "use_bias",
        "must be bool, not int");
    row("not positive", "layers", "Dense", {0}, {}, "units", "must be positive");
    row("rate", "layers", "Dropout", {-0.1}, {}, "rate", "must be between 0 and 1");
    row("str rate", "layers", "Dropout", {"half"}, {}, "rate", "must be int or float, not str");
    row("positional-only by keyword", "activations", "relu", {}, {{"x", 1}}, "x",
        "keras.activations.relu: argument 'x' is positional-only");
    row("unknown entry", "layers", "Dens", {}, {}, "",
        "keras.layers.Dens is not in the Keras catalog");
}

void TestCatalogUnit::refusals() {
    QFETCH(QString, group);
    QFETCH(QString, name);
    QFETCH(Value, positional);
    QFETCH(Value, keywords);
    QFETCH(QString, parameter);
    QFETCH(QString, phrase);
    const Catalog catalog = sample();
    std::vector<Argument> args(positional.toList().begin(), positional.toList().end());
    Catalog::Keywords kwargs;
    for (const auto& [k, v] : keywords.toDict())
        kwargs.emplace_back(k.toString(), v);
    const auto error = refusal([&] { catalog.instantiate(group, name, args, kwargs); });
    QVERIFY2(error, "accepted");
    QVERIFY2(QString::fromUtf8(error->what()).contains(phrase), error->what());
    QCOMPARE(error->entry(), QStringLiteral("keras.%1.%2").arg(group, name));
    QCOMPARE(error->parameter(), parameter);
}

void TestCatalogUnit::defaultsDecideTypesWhenNoneAreListed_data() {
    QTest::addColumn<QString>("parameter");
    QTest::addColumn<Value>("value");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("float default, float") << "min_delta" << Value(0.5) << true;
    QTest::newRow("float default, int") << "min_delta" << Value(1) << true;
    QTest::newRow("float default, str") << "min_delta" << Value("x") << false;
    QTest::newRow("bool default, bool") << "restore_best_weights" << Value(true) << true;
    QTest::newRow("bool default, int") << "restore_best_weights" << Value(1) << false;
    QTest::newRow("str default, str") << "monitor" << Value("loss") << true;
    QTest::newRow("str default, int") << "monitor" << Value(3) << false;
    QTest::newRow("None default, str") << "baseline" << Value("x") << true;
    QTest::newRow("None default, list") << "baseline" << Value(Value::List{1, 2}) << true;
}

void TestCatalogUnit::defaultsDecideTypesWhenNoneAreListed() {
    QFETCH(QString, parameter);
    QFETCH(Value, value);
    QFETCH(bool, accepted);
    const Catalog catalog = sample();
    const auto error = refusal([&] {
        catalog.instantiate("callbacks", "EarlyStopping", {}, {{parameter, value}});
    });
    QCOMPARE(!error.has_value(), accepted);
    if (error)
        QCOMPARE(error->parameter(), parameter);
}

void TestCatalogUnit::objectsAndExpressionsAreLeftToKeras() {
    const Catalog catalog = sample();
    const KerasObject inner("keras.layers", "Dense");
    const KerasObject layer = catalog.layer(
        "Dense", {Argument::expression(py::Expr::name("n_units"))}, {{"use_bias", inner}});
    QCOMPARE(layer.expr().source(),
             QStringLiteral("keras.layers.Dense(n_units, use_bias=keras.layers.Dense())"));
}

void TestCatalogUnit::checksObjectsBuiltElsewhere() {
    const Catalog catalog = sample();
    KerasObject typed("keras.layers", "Dense");
    typed.addPositional(8);
    catalog.check(typed);
    typed.set("bias", false);
    const auto error = refusal([&] { catalog.check(typed); });
    QVERIFY(error);
    QCOMPARE(error->parameter(), QStringLiteral("bias"));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.check(KerasObject("numpy", "zeros")));
}

void TestCatalogUnit::positionalArgumentsAreNamedWherePythonAllows() {
    const Catalog catalog = sample();
    const CatalogEntry& dense = catalog.at("layers", "Dense");
    KerasObject typed("keras.layers", "Dense");
    typed.addPositional(8).addPositional(QStringLiteral("relu")).set("name", "hidden");
    const KerasObject named = Catalog::withNamedArguments(dense, typed);
    QVERIFY(named.positional().empty());
    QCOMPARE(named.get("units")->value(), Value(8));
    QCOMPARE(named.get("activation")->value(), Value("relu"));
    QCOMPARE(named.get("name")->value(), Value("hidden"));
    QCOMPARE(named.keywords().front().first, QStringLiteral("units"));
    catalog.check(named);
    QCOMPARE(named.expr().source(), QStringLiteral("keras.layers.Dense(units=8, activation='relu', "
                                                   "name='hidden')"));

    // Positional-only parameters keep their arguments.
    KerasObject relu("keras.activations", "relu");
    relu.addPositional(QStringLiteral("t"));
    QCOMPARE(Catalog::withNamedArguments(catalog.at("activations", "relu"), relu), relu);
    // More arguments than named positional parameters, or one given twice: left for check().
    KerasObject many("keras.layers", "Dense");
    many.addPositional(1).addPositional(Value()).addPositional(true).addPositional(2);
    QCOMPARE(Catalog::withNamedArguments(dense, many), many);
    KerasObject twice("keras.layers", "Dense");
    twice.addPositional(8).set("units", 4);
    QCOMPARE(Catalog::withNamedArguments(dense, twice), twice);
    QVERIFY(refusal([&] { catalog.check(twice); }));
}

QTEST_GUILESS_MAIN(TestCatalogUnit)
#include "tst_catalog_unit.moc"
