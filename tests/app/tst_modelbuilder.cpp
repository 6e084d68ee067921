// SPDX-License-Identifier: GPL-3.0-or-later
// The model builder with the real worker, clicked as a user would: the paper's iris network
// built from the palette, shapes and parameter counts computed by Keras, property edits
// with undo and redo, input the catalog refuses, a shape error on the layer that causes it,
// reordering, duplication and deletion, and every item model under QAbstractItemModelTester.
#include "app/catalogsource.h"
#include "app/document.h"
#include "app/layermodel.h"
#include "app/layerpalette.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/palettemodel.h"
#include "app/parametereditor.h"
#include "app/propertiespanel.h"
#include "app/pythonliteral.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMimeData>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardPaths>
#include <QToolButton>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestModelBuilder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void literalsAreReadAsPythonWould_data();
    void literalsAreReadAsPythonWould();
    void callsAreReadAsKerasObjects_data();
    void callsAreReadAsKerasObjects();
    void paletteIsGroupedAndSearchable();
    void irisNetworkFromThePaletteShowsShapesAndParameters();
    void unitsEditIsUndoneAndRedone();
    void invalidValueIsRefusedInline();
    void positionalArgumentsFromCppShowUnderTheirNames();
    void shapeErrorShowsOnTheOffendingLayer();
    void layersMoveDuplicateAndDelete();
    void dropFromThePaletteInserts();
    void screenshots();

private:
    ModelBuilder* builder() const { return m_ide.window->workspace().builder(); }
    LayerPalette* palette() const { return m_ide.window->workspace().palette(); }
    PropertiesPanel* properties() const { return m_ide.window->workspace().properties(); }
    Document& document() const { return m_ide.window->document(); }
    ShapeChecker& shapes() const { return m_ide.window->workspace().shapes(); }
    void doubleClickPaletteEntry(const QString& name);
    void clickLayer(int row);
    bool waitForShapes();
    QString shapeAt(int row) const;
    qint64 paramsAt(int row) const;
    void clearModel();

    qk::test::IdeFixture m_ide;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestModelBuilder::initTestCase() {
    m_ide.start({1400, 900});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().catalog().isLoaded(); }, 120000),
             "the catalog did not load");
    // Every model the builder shows is checked for the whole test.
    for (QAbstractItemModel* model : {static_cast<QAbstractItemModel*>(builder()->model()),
                                      static_cast<QAbstractItemModel*>(palette()->model()),
                                      static_cast<QAbstractItemModel*>(palette()->filterModel())})
        m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
            model, QAbstractItemModelTester::FailureReportingMode::QtTest));
}

void TestModelBuilder::cleanupTestCase() {
    m_testers.clear();
    m_ide.stop();
}

void TestModelBuilder::doubleClickPaletteEntry(const QString& name) {
    QTreeView* view = palette()->view();
    const QModelIndex index = palette()->indexOf(name);
    QVERIFY2(index.isValid(), qPrintable(name));
    view->scrollTo(index);
    const QPoint at = view->visualRect(index).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
}

void TestModelBuilder::clickLayer(int row) {
    QListView* view = builder()->view();
    const QModelIndex index = builder()->model()->index(row, 0);
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    QCOMPARE(builder()->currentLayerId(), document().layerAt(row).id);
    QCOMPARE(properties()->layerId(), document().layerAt(row).id);
}

bool TestModelBuilder::waitForShapes() {
    return waitUntil([this] { return shapes().isUpToDate(); });
}

QString TestModelBuilder::shapeAt(int row) const {
    return builder()->model()->index(row, 0).data(LayerModel::OutputShapeRole).toString();
}

qint64 TestModelBuilder::paramsAt(int row) const {
    return builder()->model()->index(row, 0).data(LayerModel::ParamsRole).toLongLong();
}

void TestModelBuilder::clearModel() {
    QList<int> ids;
    for (const LayerItem& item : document().layers())
        ids << item.id;
    document().removeLayers(ids);
    QCOMPARE(document().layerCount(), 0);
}

void TestModelBuilder::literalsAreReadAsPythonWould_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("python");
    QTest::newRow("int") << "16"
                         << "16";
    QTest::newRow("negative float") << "-1e-3"
                                    << "-0.001";
    QTest::newRow("tuple") << "(3, 3)"
                           << "(3, 3)";
    QTest::newRow("one-tuple") << "(4,)"
                               << "(4,)";
    QTest::newRow("list") << "[1, 2]"
                          << "[1, 2]";
    QTest::newRow("nested") << "((1, 2), [None, True])"
                            << "((1, 2), [None, True])";
    QTest::newRow("quoted") << "'same'"
                            << "'same'";
    QTest::newRow("bare word") << "relu"
                               << "'relu'";
    QTest::newRow("unclosed") << "(3, 3"
                              << "";
    QTest::newRow("junk") << "3 3"
                          << "";
    QTest::newRow("bad number") << "1.2.3"
                                << "";
}

void TestModelBuilder::literalsAreReadAsPythonWould() {
    QFETCH(QString, text);
    QFETCH(QString, python);
    QString error;
    const std::optional<Value> value = parsePythonLiteral(text, &error);
    if (python.isEmpty()) {
        QVERIFY(!value);
        QVERIFY(!error.isEmpty());
    } else {
        QVERIFY2(value, qPrintable(error));
        QCOMPARE(pythonLiteralText(*value), python);
    }
}

void TestModelBuilder::callsAreReadAsKerasObjects_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("python"); // empty: refused
    QTest::newRow("layer") << "LSTM(64, return_sequences=True)"
                           << "keras.layers.LSTM(64, return_sequences=True)";
    QTest::newRow("space before the parenthesis") << "LSTM (8)"
                                                  << "keras.layers.LSTM(8)";
    QTest::newRow("another group") << "MaxNorm(3)"
                                   << "keras.constraints.MaxNorm(3)";
    QTest::newRow("qualified") << "keras.regularizers.L2(l2=0.01)"
                               << "keras.regularizers.L2(l2=0.01)";
    QTest::newRow("nested") << "GRU(4, kernel_constraint=MaxNorm(2), activation=tanh)"
                            << "keras.layers.GRU(4, kernel_constraint=keras.constraints."
                               "MaxNorm(2), activation='tanh')";
    QTest::newRow("literal arguments") << "Dense(units=3, use_bias=False, name='x y')"
                                       << "keras.layers.Dense(units=3, use_bias=False, "
                                          "name='x y')";
    QTest::newRow("unknown class") << "LSTMM(64)"
                                   << "";
    QTest::newRow("not keras") << "os.system('true')"
                               << "";
    QTest::newRow("positional after keyword") << "LSTM(units=4, 8)"
                                              << "";
    QTest::newRow("keyword twice") << "LSTM(units=4, units=8)"
                                   << "";
    QTest::newRow("unclosed") << "LSTM(64"
                              << "";
    QTest::newRow("trailing text") << "LSTM(64) + 1"
                                   << "";
    QTest::newRow("too deep") << QStringLiteral("LSTM(").repeated(40) +
                                     QStringLiteral(")").repeated(40)
                              << "";
}

void TestModelBuilder::callsAreReadAsKerasObjects() {
    QFETCH(QString, text);
    QFETCH(QString, python);
    QVERIFY(looksLikeCall(text));
    const auto moduleOf = [](const QString& name) {
        if (name == QLatin1String("LSTM") || name == QLatin1String("GRU") ||
            name == QLatin1String("Dense"))
            return QStringLiteral("keras.layers");
        if (name == QLatin1String("MaxNorm"))
            return QStringLiteral("keras.constraints");
        return QString();
    };
    QString error;
    const std::optional<keras::KerasObject> object = parseKerasCall(text, moduleOf, &error);
    if (python.isEmpty()) {
        QVERIFY(!object);
        QVERIFY(!error.isEmpty());
        return;
    }
    QVERIFY2(object, qPrintable(error));
    QCOMPARE(kerasCallText(*object), python);
    // What the field shows reads back as the same object.
    QVERIFY(parseKerasCall(kerasCallText(*object), moduleOf) == object);
}

void TestModelBuilder::paletteIsGroupedAndSearchable() {
    PaletteModel* model = palette()->model();
    QVERIFY(model->rowCount() >= 8);
    QCOMPARE(model->index(0, 0).data().toString(), QStringLiteral("Core"));
    const QModelIndex dense = model->indexOfEntry(QStringLiteral("Dense"));
    QVERIFY(dense.isValid());
    QCOMPARE(dense.parent().data().toString(), QStringLiteral("Core"));
    QVERIFY(dense.data(Qt::ToolTipRole).toString().contains(QStringLiteral("densely")));
    QVERIFY(model->indexOfEntry(QStringLiteral("Conv2D")).parent().data().toString() ==
            QStringLiteral("Convolution"));

    QTest::keyClicks(palette()->filterEdit(), QStringLiteral("conv2d"));
    QSortFilterProxyModel* filter = palette()->filterModel();
    QStringList shown;
    for (int c = 0; c < filter->rowCount(); ++c) {
        const QModelIndex category = filter->index(c, 0);
        for (int r = 0; r < filter->rowCount(category); ++r)
            shown << filter->index(r, 0, category).data().toString();
    }
    QVERIFY2(shown.contains(QStringLiteral("Conv2D")), qPrintable(shown.join(u',')));
    QVERIFY(shown.contains(QStringLiteral("Conv2DTranspose")));
    QVERIFY(!shown.contains(QStringLiteral("Dense")));
    palette()->filterEdit()->clear();
    QVERIFY(filter->rowCount() == model->rowCount());
}

void TestModelBuilder::irisNetworkFromThePaletteShowsShapesAndParameters() {
    QVERIFY(document().layerCount() == 0);
    // InputLayer, shape 4.
    doubleClickPaletteEntry(QStringLiteral("InputLayer"));
    QCOMPARE(document().layerCount(), 1);
    auto* shapeEdit =
        qobject_cast<QLineEdit*>(properties()->editor(QStringLiteral("shape"))->input());
    QVERIFY(shapeEdit);
    QTest::keyClicks(shapeEdit, QStringLiteral("4"));
    QTest::keyClick(shapeEdit, Qt::Key_Return);
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(0), QStringLiteral("(None, 4)"));

    // Dense 16: the new layer comes after the current one and is selected.
    doubleClickPaletteEntry(QStringLiteral("Dense"));
    QCOMPARE(document().layerCount(), 2);
    QCOMPARE(document().layerAt(1).layer.className(), QStringLiteral("Dense"));
    // Without units the worker says why on this layer.
    QVERIFY(waitForShapes());
    QVERIFY2(builder()
                 ->model()
                 ->index(1, 0)
                 .data(LayerModel::ErrorRole)
                 .toString()
                 .contains(QStringLiteral("units")),
             qPrintable(builder()->model()->index(1, 0).data(LayerModel::ErrorRole).toString()));
    auto* units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    QVERIFY(units);
    units->selectAll();
    QTest::keyClicks(units, QStringLiteral("16"));
    QTest::keyClick(units, Qt::Key_Return);

    // Activation sigmoid, picked in the combo.
    doubleClickPaletteEntry(QStringLiteral("Activation"));
    auto* activation =
        qobject_cast<QComboBox*>(properties()->editor(QStringLiteral("activation"))->input());
    QVERIFY(activation);
    const int sigmoid = activation->findText(QStringLiteral("sigmoid"));
    QVERIFY(sigmoid > 0);
    activation->setCurrentIndex(sigmoid);
    Q_EMIT activation->activated(sigmoid);

    doubleClickPaletteEntry(QStringLiteral("Dense"));
    units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    units->selectAll();
    QTest::keyClicks(units, QStringLiteral("3"));
    QTest::keyClick(units, Qt::Key_Return);

    doubleClickPaletteEntry(QStringLiteral("Activation"));
    activation =
        qobject_cast<QComboBox*>(properties()->editor(QStringLiteral("activation"))->input());
    const int softmax = activation->findText(QStringLiteral("softmax"));
    activation->setCurrentIndex(softmax);
    Q_EMIT activation->activated(softmax);

    QVERIFY(waitForShapes());
    QCOMPARE(document().layerCount(), 5);
    const QStringList classes{"InputLayer", "Dense", "Activation", "Dense", "Activation"};
    const QStringList expectedShapes{"(None, 4)", "(None, 16)", "(None, 16)", "(None, 3)",
                                     "(None, 3)"};
    const QList<qint64> params{0, 80, 0, 51, 0};
    for (int row = 0; row < 5; ++row) {
        QCOMPARE(document().layerAt(row).layer.className(), classes[row]);
        QCOMPARE(shapeAt(row), expectedShapes[row]);
        QCOMPARE(paramsAt(row), params[row]);
        QVERIFY(builder()->model()->index(row, 0).data(LayerModel::ErrorRole).isNull());
    }
    QCOMPARE(document().layerAt(2).layer.get(QStringLiteral("activation"))->value(),
             Value(QStringLiteral("sigmoid")));
    QCOMPARE(shapes().totalParams(), 131);
    QVERIFY2(builder()->totalLabel()->text().contains(QStringLiteral("131")),
             qPrintable(builder()->totalLabel()->text()));
}

void TestModelBuilder::unitsEditIsUndoneAndRedone() {
    QCOMPARE(document().layerCount(), 5);
    clickLayer(1);
    auto* units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    QCOMPARE(units->value(), 16);
    QUndoStack* stack = document().undoStack();
    const int before = stack->count();
    units->selectAll();
    QTest::keyClicks(units, QStringLiteral("32"));
    QTest::keyClick(units, Qt::Key_Return);
    QCOMPARE(stack->count(), before + 1);
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(1), QStringLiteral("(None, 32)"));
    QCOMPARE(paramsAt(1), 4 * 32 + 32);
    QCOMPARE(paramsAt(3), 32 * 3 + 3);
    QCOMPARE(shapes().totalParams(), 160 + 99);

    // Ctrl+Z in the window undoes it: the editor, the shapes and the total follow.
    builder()->view()->setFocus();
    QTest::keyClick(builder()->view(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(stack->index(), before);
    units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    QCOMPARE(units->value(), 16);
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(1), QStringLiteral("(None, 16)"));
    QCOMPARE(shapes().totalParams(), 131);

    QTest::keyClick(builder()->view(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(stack->index(), before + 1);
    units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    QCOMPARE(units->value(), 32);
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(1), QStringLiteral("(None, 32)"));
    QCOMPARE(shapes().totalParams(), 259);
    stack->undo();
    QVERIFY(waitForShapes());
    QCOMPARE(shapes().totalParams(), 131);
}

void TestModelBuilder::invalidValueIsRefusedInline() {
    clickLayer(1);
    QUndoStack* stack = document().undoStack();
    const int before = stack->count();
    // A negative number of units: the catalog says units are positive.
    auto* units = qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("units"))->input());
    units->selectAll();
    QTest::keyClicks(units, QStringLiteral("-5"));
    QTest::keyClick(units, Qt::Key_Return);
    ParameterEditor* editor = properties()->editor(QStringLiteral("units"));
    QVERIFY(editor->errorLabel()->isVisible());
    QVERIFY2(editor->errorText().contains(QStringLiteral("units")),
             qPrintable(editor->errorText()));
    QVERIFY(editor->input()->styleSheet().contains(QStringLiteral("border")));
    QCOMPARE(stack->count(), before);
    QCOMPARE(document().layerAt(1).layer.get(QStringLiteral("units"))->value(), Value(16));

    // Text that is not a literal, in a tuple-or-int field.
    clickLayer(0);
    ParameterEditor* shape = properties()->editor(QStringLiteral("shape"));
    auto* edit = qobject_cast<QLineEdit*>(shape->input());
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("(4,"));
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(shape->errorLabel()->isVisible());
    QVERIFY(!shape->errorText().isEmpty());
    QCOMPARE(stack->count(), before);
    QCOMPARE(document().layerAt(0).layer.get(QStringLiteral("shape"))->value(), Value::tuple({4}));
    // Corrected, the error goes away.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("(4,)"));
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(!properties()->editor(QStringLiteral("shape"))->errorLabel()->isVisible());
    QCOMPARE(stack->count(), before);
}

void TestModelBuilder::shapeErrorShowsOnTheOffendingLayer() {
    // A Conv1D after Dense 16 wants 3 dimensions and gets 2.
    clickLayer(1);
    doubleClickPaletteEntry(QStringLiteral("Conv1D"));
    QCOMPARE(document().layerAt(2).layer.className(), QStringLiteral("Conv1D"));
    auto* filters =
        qobject_cast<QSpinBox*>(properties()->editor(QStringLiteral("filters"))->input());
    filters->selectAll();
    QTest::keyClicks(filters, QStringLiteral("8"));
    QTest::keyClick(filters, Qt::Key_Return);
    auto* kernel =
        qobject_cast<QLineEdit*>(properties()->editor(QStringLiteral("kernel_size"))->input());
    QTest::keyClicks(kernel, QStringLiteral("3"));
    QTest::keyClick(kernel, Qt::Key_Return);
    QVERIFY(waitForShapes());
    const QString error = builder()->model()->index(2, 0).data(LayerModel::ErrorRole).toString();
    QVERIFY2(error.contains(QStringLiteral("Conv1D")) && error.contains(QStringLiteral("ndim")),
             qPrintable(error));
    QCOMPARE(shapes().failure().layerId, document().layerAt(2).id);
    // The layers before it keep their shapes; those after it are not checked.
    QCOMPARE(shapeAt(1), QStringLiteral("(None, 16)"));
    QVERIFY(builder()->model()->index(3, 0).data(LayerModel::OutputShapeRole).isNull());
    QVERIFY(builder()->model()->index(1, 0).data(LayerModel::ErrorRole).isNull());

    // Delete removes it, and the network is whole again.
    clickLayer(2);
    QTest::keyClick(builder()->view(), Qt::Key_Delete);
    QCOMPARE(document().layerCount(), 5);
    QVERIFY(waitForShapes());
    QCOMPARE(shapes().failure().layerId, 0);
    QCOMPARE(shapes().totalParams(), 131);
}

void TestModelBuilder::positionalArgumentsFromCppShowUnderTheirNames() {
    // A layer made with the C++ API's positional arguments: keras::Dense(12) is Dense(12).
    QUndoStack* stack = document().undoStack();
    const int before = stack->index();
    const int id = document().addLayer(keras::Dense(12), 2);
    QCOMPARE(document().layerAt(2).layer.positional().size(), std::size_t(1));
    clickLayer(2);
    ParameterEditor* editor = properties()->editor(QStringLiteral("units"));
    QVERIFY(editor->isSet());
    auto* units = qobject_cast<QSpinBox*>(editor->input());
    QCOMPARE(units->value(), 12);

    // Edited, it is named: Dense(units=20), not Dense(12, units=20).
    units->selectAll();
    QTest::keyClicks(units, QStringLiteral("20"));
    QTest::keyClick(units, Qt::Key_Return);
    const keras::Layer& edited = document().layerAt(document().indexOf(id)).layer;
    QVERIFY(edited.positional().empty());
    QCOMPARE(edited.get(QStringLiteral("units"))->value(), Value(20));
    QVERIFY(!properties()->editor(QStringLiteral("units"))->errorLabel()->isVisible());
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(2), QStringLiteral("(None, 20)"));

    // Undo brings the call back as it was made; undoing the insertion removes the layer.
    stack->undo();
    QCOMPARE(document().layerAt(document().indexOf(id)).layer, keras::Layer(keras::Dense(12)));
    stack->setIndex(before);
    QCOMPARE(document().indexOf(id), -1);
    QVERIFY(waitForShapes());
}

void TestModelBuilder::layersMoveDuplicateAndDelete() {
    QUndoStack* stack = document().undoStack();
    const int start = stack->index();
    clickLayer(1);
    const int denseId = document().layerAt(1).id;
    // Ctrl+D: a copy right after it, selected.
    QTest::keyClick(builder()->view(), Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(document().layerCount(), 6);
    QCOMPARE(document().layerAt(2).layer, document().layerAt(1).layer);
    QVERIFY(document().layerAt(2).id != denseId);
    QCOMPARE(builder()->currentLayerId(), document().layerAt(2).id);
    QVERIFY(waitForShapes());
    QCOMPARE(paramsAt(2), 16 * 16 + 16);
    QCOMPARE(shapes().totalParams(), 131 + 272);

    // Ctrl+Down moves the copy below the Activation; Ctrl+Up brings it back.
    QTest::keyClick(builder()->view(), Qt::Key_Down, Qt::ControlModifier);
    QCOMPARE(document().layerAt(3).layer.className(), QStringLiteral("Dense"));
    QCOMPARE(document().layerAt(2).layer.className(), QStringLiteral("Activation"));
    QTest::keyClick(builder()->view(), Qt::Key_Up, Qt::ControlModifier);
    QCOMPARE(document().layerAt(2).layer.className(), QStringLiteral("Dense"));

    // A drag of a row is a move too (what the view does on drop).
    QMimeData* mime = builder()->model()->mimeData({builder()->model()->index(4, 0)});
    QVERIFY(builder()->model()->dropMimeData(mime, Qt::MoveAction, 0, 0, {}) == false);
    delete mime;
    QCOMPARE(document().layerAt(0).layer.className(), QStringLiteral("Dense"));
    QCOMPARE(document().layerAt(1).layer.className(), QStringLiteral("InputLayer"));
    stack->undo();
    QCOMPARE(document().layerAt(0).layer.className(), QStringLiteral("InputLayer"));

    // Undo everything back to the iris network.
    while (stack->index() > start)
        stack->undo();
    QCOMPARE(document().layerCount(), 5);
    QVERIFY(waitForShapes());
    QCOMPARE(shapes().totalParams(), 131);
}

void TestModelBuilder::dropFromThePaletteInserts() {
    const QModelIndex dropout = palette()->indexOf(QStringLiteral("Dropout"));
    QMimeData* mime = palette()->filterModel()->mimeData({dropout});
    QVERIFY(mime);
    QVERIFY(builder()->model()->canDropMimeData(mime, Qt::CopyAction, 2, 0, {}));
    QVERIFY(builder()->model()->dropMimeData(mime, Qt::CopyAction, 2, 0, {}));
    delete mime;
    QCOMPARE(document().layerCount(), 6);
    QCOMPARE(document().layerAt(2).layer.className(), QStringLiteral("Dropout"));
    QCOMPARE(builder()->currentLayerId(), document().layerAt(2).id);
    auto* rate = qobject_cast<QLineEdit*>(properties()->editor(QStringLiteral("rate"))->input());
    QVERIFY(rate);
    QTest::keyClicks(rate, QStringLiteral("1.5"));
    QTest::keyClick(rate, Qt::Key_Return);
    QVERIFY(properties()->editor(QStringLiteral("rate"))->errorLabel()->isVisible());
    rate->selectAll();
    QTest::keyClicks(rate, QStringLiteral("0.2"));
    QTest::keyClick(rate, Qt::Key_Return);
    QVERIFY(waitForShapes());
    QCOMPARE(shapeAt(2), QStringLiteral("(None, 16)"));
    QCOMPARE(shapes().totalParams(), 131);
    document().undoStack()->undo();
    document().undoStack()->undo();
    QCOMPARE(document().layerCount(), 5);
}

// The builder and the window as the README shows them; written to $QTKERAS_SCREENSHOT_DIR
// when it is set.
void TestModelBuilder::screenshots() {
    QCOMPARE(document().layerCount(), 5);
    clickLayer(1);
    QVERIFY(waitForShapes());
    const QImage builderShot = builder()->grab().toImage();
    const QImage windowShot = m_ide.window->grab().toImage();
    QVERIFY(!builderShot.isNull() && !windowShot.isNull());
    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QVERIFY(builderShot.save(dir + QStringLiteral("/screenshot-builder.png")));
        QVERIFY(windowShot.save(dir + QStringLiteral("/screenshot-main.png")));
    }
}

QTEST_MAIN(TestModelBuilder)
#include "tst_modelbuilder.moc"
