// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/datafitcheck.h"

#include "app/document.h"
#include "app/graphchecker.h"
#include "app/shapechecker.h"
#include "bridge/keras/dataset.h"

#include <QFileInfo>

namespace qk::app {

namespace {

// The dimensions of a Keras shape after the batch one; empty when it is not known.
QList<qint64> sampleDims(const Value& shape) {
    QList<qint64> dims;
    if (!shape.isTuple() && !shape.isList())
        return dims;
    const auto& items = shape.items();
    for (size_t i = 1; i < items.size(); ++i) {
        if (!items[i].isInt())
            return {};
        dims << items[i].toInt();
    }
    return dims;
}

QString features(int n) {
    return n == 1 ? DataFitCheck::tr("1 feature") : DataFitCheck::tr("%1 features").arg(n);
}

QString classes(int n) {
    return n == 1 ? DataFitCheck::tr("1 class") : DataFitCheck::tr("%1 classes").arg(n);
}

QString values(qint64 n) {
    return n == 1 ? DataFitCheck::tr("1 value") : DataFitCheck::tr("%1 values").arg(n);
}

QString dimsText(const QList<qint64>& dims) {
    QStringList parts;
    for (qint64 d : dims)
        parts << QString::number(d);
    return dims.size() == 1 ? parts.front() : u'(' + parts.join(QStringLiteral(", ")) + u')';
}

} // namespace

DataFitCheck::DataFitCheck(Document& document, ShapeChecker& shapes, GraphChecker& graph,
                           QObject* parent)
    : QObject(parent)
    , m_document(document)
    , m_shapes(shapes)
    , m_graph(graph) {
    connect(&document, &Document::changed, this, &DataFitCheck::onDocumentChanged);
    connect(&shapes, &ShapeChecker::updated, this, &DataFitCheck::update);
    connect(&graph, &GraphChecker::updated, this, &DataFitCheck::update);
    update();
}

void DataFitCheck::onDocumentChanged(const DocumentChange& change) {
    // Layer edits wait for the worker's shapes (ShapeChecker::updated).
    if (change.kind == DocumentChange::Kind::DataChanged ||
        change.kind == DocumentChange::Kind::CompileChanged)
        update();
}

void DataFitCheck::readData() {
    const DataSource& source = m_document.dataSource();
    const QDateTime modified = source.kind == DataSource::Kind::Csv
                                   ? QFileInfo(source.csvPath).lastModified()
                                   : QDateTime();
    const std::vector<int> outputs =
        m_document.isGraph() ? m_document.graph().outputIds() : std::vector<int>();
    if (m_read && source == m_readFor && modified == m_readModified && outputs == m_readOutputs)
        return;
    m_read = true;
    m_readFor = source;
    m_readModified = modified;
    m_readOutputs = outputs;
    m_features = m_classes = -1;
    m_inputFeatures.clear();
    m_outputClasses.clear();
    const QStringList labels = source.labels(outputs);
    try {
        const keras::Dataset table = source.kind == DataSource::Kind::Iris
                                         ? keras::Dataset::iris()
                                         : keras::Dataset::fromCsv(source.csvPath);
        // Numeric columns (all but the labels when none are named) and a column per category.
        const auto count = [&](const QStringList& numeric, const QStringList& encoded,
                               bool allByDefault) {
            int n = 0;
            if (numeric.isEmpty() && allByDefault) {
                for (const QString& column : table.columnNames()) {
                    if (!labels.contains(column) &&
                        table.columnType(column) == keras::Dataset::ColumnType::Numeric)
                        ++n;
                }
            } else {
                n = static_cast<int>(numeric.size());
            }
            for (const QString& column : encoded)
                n += static_cast<int>(table.categories(column).size());
            return n;
        };
        m_features = count(source.features, source.encoded, true);
        for (const InputColumns& input : source.inputs)
            m_inputFeatures.insert(input.node, count(input.features, input.encoded, false));
        if (outputs.size() > 1) {
            for (int output : outputs) {
                if (const QString label = source.labelOf(output); !label.isEmpty())
                    m_outputClasses.insert(output,
                                           static_cast<int>(table.labels(label).classes.size()));
            }
        } else {
            m_classes = static_cast<int>(table.labels(source.label).classes.size());
        }
    } catch (const std::exception&) {
        // The Data panel says what is wrong with the data; here there is nothing to compare.
    }
}

void DataFitCheck::update() {
    readData();
    QHash<int, QString> layerWarnings;
    QStringList warnings;
    // The model's input and output: the ends of the list, or of a graph of one input and one
    // output (whose warnings go to the Training panel only: the cards are the list's).
    int inputId = 0;
    int outputId = 0;
    QList<qint64> inputDims;
    QList<qint64> outputDims;
    const bool graph = m_document.isGraph();
    if (graph) {
        const std::vector<int> inputs = m_document.graph().inputIds();
        const std::vector<int> outputs = m_document.graph().outputIds();
        if (outputs.size() == 1) {
            outputId = outputs.front();
            if (const GraphChecker::NodeResult* r = m_graph.result(outputId))
                outputDims = sampleDims(r->kerasShape);
        }
        if (inputs.size() == 1 && outputs.size() == 1) {
            inputId = inputs.front();
            if (const GraphChecker::NodeResult* r = m_graph.result(inputId))
                inputDims = sampleDims(r->kerasShape);
        }
        // Several inputs: each against the columns chosen for it.
        for (int input : inputs) {
            const GraphChecker::NodeResult* r = inputs.size() > 1 ? m_graph.result(input) : nullptr;
            const int n = m_inputFeatures.value(input, 0);
            const QList<qint64> dims = r ? sampleDims(r->kerasShape) : QList<qint64>();
            if (n > 0 && !dims.isEmpty() && (dims.size() != 1 || dims.front() != n))
                warnings << tr("The data gives %1 %2 per row, but it takes %3.")
                                .arg(m_document.graph().inputName(input), features(n),
                                     dimsText(dims));
        }
    } else if (!m_document.layers().empty()) {
        inputId = m_document.layers().front().id;
        outputId = m_document.layers().back().id;
        if (const ShapeChecker::LayerResult* r = m_shapes.result(inputId))
            inputDims = sampleDims(r->shape);
        if (const ShapeChecker::LayerResult* r = m_shapes.result(outputId))
            outputDims = sampleDims(r->shape);
    }
    const auto onLayer = [&](int id, const QString& warning) {
        if (!graph)
            layerWarnings.insert(id, warning);
    };
    if (inputId != 0 && m_features > 0 && !inputDims.isEmpty() &&
        (inputDims.size() != 1 || inputDims.front() != m_features)) {
        onLayer(inputId, tr("The data has %1 per row; this input takes %2.")
                             .arg(features(m_features), dimsText(inputDims)));
        warnings << tr("The data has %1 per row, but the model's input takes %2.")
                        .arg(features(m_features), dimsText(inputDims));
    }
    const DataSource& source = m_document.dataSource();
    const QString loss = m_document.compileSettings().loss;
    // One value per row for class indices with a binary loss; else one per class.
    const bool binary = loss.contains(QLatin1String("binary")) && !source.oneHot;
    const auto misfit = [binary](const QList<qint64>& dims, int classCount) {
        const qint64 expected = binary ? 1 : classCount;
        return dims.size() == 1 && dims.front() != expected && !(binary && classCount > 2);
    };
    if (outputId != 0 && m_classes > 0 && misfit(outputDims, m_classes)) {
        onLayer(outputId, tr("The data has %1; this layer gives %2 per row.")
                              .arg(classes(m_classes), values(outputDims.front())));
        warnings << tr("The data has %1, but the model's output gives %2 per row.")
                        .arg(classes(m_classes), values(outputDims.front()));
    }
    // Several outputs: each against the classes of its label.
    for (auto it = m_outputClasses.cbegin(); it != m_outputClasses.cend(); ++it) {
        const GraphChecker::NodeResult* r = graph ? m_graph.result(it.key()) : nullptr;
        const QList<qint64> dims = r ? sampleDims(r->kerasShape) : QList<qint64>();
        if (misfit(dims, it.value()))
            warnings << tr("%1 has %2, but %3 gives %4 per row.")
                            .arg(source.labelOf(it.key()), classes(it.value()),
                                 m_document.graph().outputName(it.key()), values(dims.front()));
    }
    if (m_classes > 0 || !m_outputClasses.isEmpty()) {
        if (loss == QLatin1String("categorical_crossentropy") && !source.oneHot)
            warnings << tr("categorical_crossentropy needs one-hot targets: tick One-hot "
                           "targets in the Data panel, or use sparse_categorical_crossentropy.");
        if (loss == QLatin1String("sparse_categorical_crossentropy") && source.oneHot)
            warnings << tr("sparse_categorical_crossentropy needs class indices: untick "
                           "One-hot targets in the Data panel, or use "
                           "categorical_crossentropy.");
    }
    if (layerWarnings == m_layerWarnings && warnings == m_warnings)
        return;
    m_layerWarnings = std::move(layerWarnings);
    m_warnings = std::move(warnings);
    Q_EMIT changed();
}

} // namespace qk::app
