// SPDX-License-Identifier: GPL-3.0-or-later
// keras.io architectures built from C++ objects (examples/kerasio.cpp): each is made in the
// worker and its parameter count printed, with its Keras summary when asked (--summary).
#include "bridge/session/session.h"
#include "examples/kerasio.h"

#include <QCoreApplication>
#include <QTextStream>

#include <functional>

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const bool summaries = QCoreApplication::arguments().contains(QStringLiteral("--summary"));
    namespace K = qk::keras;
    namespace E = qk::examples;
    qk::Session session;
    const std::vector<std::pair<const char*, std::function<K::Model(qk::Session&)>>> models{
        {"MNIST convnet", E::mnistConvnet},
        {"bidirectional LSTM", E::bidirectionalLstm},
        {"transformer text classifier", E::transformerClassifier},
        {"ticket classifier (2 inputs, 2 outputs)", E::ticketClassifier},
        {"Conv1D timeseries classifier", E::timeseriesClassifier},
        {"MobileNetV2 classifier", [](qk::Session& s) { return E::mobileNetV2Classifier(s); }},
        {"transfer learning (frozen MobileNetV2)", E::frozenBaseClassifier},
        {"siamese distance (shared layer)", E::siameseDistance},
        {"ResNet50", [](qk::Session& s) { return K::Model(s, K::ResNet50().weights(nullptr)); }},
    };
    try {
        for (const auto& [name, build] : models) {
            const K::Model model = build(session);
            const K::ModelInfo info = model.created().result();
            out << qSetFieldWidth(42) << Qt::left << name << qSetFieldWidth(0) << info.totalParams
                << " parameters" << Qt::endl;
            if (summaries)
                out << model.summary().result() << Qt::endl;
        }
    } catch (const qk::CommandError& e) {
        QTextStream(stderr) << "architectures: " << e.what() << Qt::endl;
        return 1;
    }
    return 0;
}
