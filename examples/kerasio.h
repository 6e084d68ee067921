// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Architectures of keras.io's examples, built from C++ objects only. Each function makes the
// model in `session` and returns it at once (its commands are queued; model.created() settles
// with its structure). The shapes and sizes are those of the examples.

#include "bridge/keras/keras.h"

namespace qk::examples {

// "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet): 34,826 parameters.
keras::Model mnistConvnet(Session& session);

// "Bidirectional LSTM on IMDB" (keras.io/examples/nlp/bidirectional_lstm_imdb).
keras::Model bidirectionalLstm(Session& session);

// "Text classification with Transformer" (keras.io/examples/nlp/
// text_classification_with_transformer): its TransformerBlock and TokenAndPositionEmbedding
// written as a functional graph, with MultiHeadAttention called on (query, value) and the
// positions made by keras.ops from the token input.
keras::Model transformerClassifier(Session& session);

// The ticket classifier of the functional API guide (keras.io/guides/functional_api), with
// two inputs (title, body) and two outputs (priority, department), as dicts.
keras::Model ticketClassifier(Session& session);

// "Timeseries classification from scratch" (keras.io/examples/timeseries/
// timeseries_classification_from_scratch): three Conv1D blocks on series of 500 steps.
keras::Model timeseriesClassifier(Session& session);

// A classifier head on MobileNetV2 (random weights) used as a block, as keras.io's transfer
// learning examples do with pre-trained weights.
keras::Model mobileNetV2Classifier(Session& session, int classes = 10);

// keras.io's transfer learning guide (keras.io/guides/transfer_learning): a keras.applications
// model made on its own, frozen (trainable = False) and called as a block in inference mode
// (training=False) under a new head. MobileNetV2 (alpha 0.35, random weights) on 32 x 32
// images stands for the guide's pre-trained Xception.
keras::Model frozenBaseClassifier(Session& session);

// Two inputs through one shared layer (the same weights): a siamese distance.
keras::Model siameseDistance(Session& session);

} // namespace qk::examples
