// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/projectsettings.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <vector>

namespace qk::app {

class Document;
class GraphChecker;
class ShapeChecker;
struct DocumentChange;

// Whether the network fits its data, before anything is trained: the input's shape against
// the features of a row, the output's width against the classes (for the loss and the
// targets), and one-hot targets against the loss. The shapes are the worker's (ShapeChecker,
// or GraphChecker for a graph, each of whose inputs is checked against its own columns, and
// whose warnings are the Training panel's); the data is read again only when the data source
// changes. A fit() of a model that does not fit fails in Keras with a message about tensors;
// this says it in the data's terms, on the layers it concerns.
class DataFitCheck : public QObject {
    Q_OBJECT
public:
    DataFitCheck(Document& document, ShapeChecker& shapes, GraphChecker& graph,
                 QObject* parent = nullptr);

    // What is wrong at a layer (the input, the output); empty when nothing is.
    QString warning(int layerId) const { return m_layerWarnings.value(layerId); }
    // Every problem, one sentence each.
    const QStringList& warnings() const { return m_warnings; }
    // The data's features per row and classes; -1 when they cannot be read.
    int featureCount() const { return m_features; }
    int classCount() const { return m_classes; }

Q_SIGNALS:
    void changed();

private:
    void onDocumentChanged(const DocumentChange& change);
    void readData();
    void update();

    Document& m_document;
    ShapeChecker& m_shapes;
    GraphChecker& m_graph;
    DataSource m_readFor;
    QDateTime m_readModified; // of the CSV file when it was read
    bool m_read = false;
    int m_features = -1;
    QHash<int, int> m_inputFeatures; // a graph input's features, for those with columns chosen
    QHash<int, int> m_outputClasses; // a graph output's classes, for those with a label chosen
    std::vector<int> m_readOutputs;  // the graph's outputs when the data was read
    int m_classes = -1;
    QHash<int, QString> m_layerWarnings;
    QStringList m_warnings;
};

} // namespace qk::app
