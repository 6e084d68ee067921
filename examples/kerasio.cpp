// SPDX-License-Identifier: GPL-3.0-or-later
#include "examples/kerasio.h"

namespace qk::examples {

namespace K = qk::keras;

K::Model mnistConvnet(Session& session) {
    K::Sequential model(session, QStringLiteral("mnist_convnet"));
    model.add(K::InputLayer({28, 28, 1}));
    model.add(K::Conv2D(32, {3, 3}).activation("relu"));
    model.add(K::MaxPooling2D({2, 2}));
    model.add(K::Conv2D(64, {3, 3}).activation("relu"));
    model.add(K::MaxPooling2D({2, 2}));
    model.add(K::Flatten());
    model.add(K::Dropout(0.5));
    model.add(K::Dense(10).activation("softmax"));
    return model;
}

K::Model bidirectionalLstm(Session& session) {
    const K::Tensor inputs = K::Input(session, {std::nullopt}, {.dtype = "int32"});
    K::Tensor x = K::Embedding(20000, 128)(inputs);
    x = K::Bidirectional(K::LSTM(64).returnSequences(true))(x);
    x = K::Bidirectional(K::LSTM(64))(x);
    const K::Tensor outputs = K::Dense(1).activation("sigmoid")(x);
    return K::Model(inputs, outputs);
}

K::Model transformerClassifier(Session& session) {
    const int vocabSize = 20000;
    const int maxlen = 200;
    const int embedDim = 32;
    const int numHeads = 2;
    const int ffDim = 32;
    const K::Tensor inputs = K::Input(session, {maxlen}, {.name = "tokens", .dtype = "int32"});

    // TokenAndPositionEmbedding: the positions 0, 1, ..., maxlen - 1 of each sequence.
    const K::Tensor positions = K::ops::cumsum(K::ops::onesLike(inputs), 1) - 1;
    K::Tensor x =
        K::Embedding(vocabSize, embedDim)(inputs) + K::Embedding(maxlen, embedDim)(positions);

    // TransformerBlock: self-attention and a feed-forward network, each added back and
    // normalized.
    K::Tensor attention = K::MultiHeadAttention(numHeads, embedDim)(x, x);
    attention = K::Dropout(0.1)(attention);
    const K::Tensor out1 = K::LayerNormalization().epsilon(1e-6)(x + attention);
    K::Tensor ffn = K::Dense(embedDim)(K::Dense(ffDim).activation("relu")(out1));
    ffn = K::Dropout(0.1)(ffn);
    x = K::LayerNormalization().epsilon(1e-6)(out1 + ffn);

    x = K::GlobalAveragePooling1D()(x);
    x = K::Dropout(0.1)(x);
    x = K::Dense(20).activation("relu")(x);
    x = K::Dropout(0.1)(x);
    const K::Tensor outputs = K::Dense(2).activation("softmax")(x);
    return K::Model(inputs, outputs, QStringLiteral("transformer_classifier"));
}

K::Model ticketClassifier(Session& session) {
    const int numWords = 10000;
    const int numDepartments = 4;
    const K::Tensor title = K::Input(session, {std::nullopt}, {.name = "title"});
    const K::Tensor body = K::Input(session, {std::nullopt}, {.name = "body"});
    const K::Tensor titleFeatures = K::LSTM(128)(K::Embedding(numWords, 64)(title));
    const K::Tensor bodyFeatures = K::LSTM(32)(K::Embedding(numWords, 64)(body));
    const K::Tensor x = K::Concatenate()({titleFeatures, bodyFeatures});
    const K::Tensor priority = K::Dense(1).name("priority")(x);
    const K::Tensor department = K::Dense(numDepartments).name("department")(x);
    return K::Model({{"title", title}, {"body", body}},
                    {{"priority", priority}, {"department", department}});
}

K::Model timeseriesClassifier(Session& session) {
    const K::Tensor inputs = K::Input(session, {500, 1});
    K::Tensor x = inputs;
    for (int block = 0; block < 3; ++block) {
        x = K::Conv1D(64, 3).padding("same")(x);
        x = K::BatchNormalization()(x);
        x = K::ReLU()(x);
    }
    x = K::GlobalAveragePooling1D()(x);
    const K::Tensor outputs = K::Dense(2).activation("softmax")(x);
    return K::Model(inputs, outputs);
}

K::Model mobileNetV2Classifier(Session& session, int classes) {
    const K::Tensor inputs = K::Input(session, {96, 96, 3});
    K::Tensor x = K::Rescaling(1.0 / 127.5).offset(-1)(inputs);
    x = K::MobileNetV2().includeTop(false).weights(nullptr).inputShape({96, 96, 3})(x);
    x = K::GlobalAveragePooling2D()(x);
    x = K::Dropout(0.2)(x);
    const K::Tensor outputs = K::Dense(classes)(x);
    return K::Model(inputs, outputs);
}

K::Model frozenBaseClassifier(Session& session) {
    K::Model base(
        session,
        K::MobileNetV2().alpha(0.35).includeTop(false).weights(nullptr).inputShape({32, 32, 3}));
    base.setTrainable(false);
    const K::Tensor inputs = K::Input(session, {32, 32, 3});
    K::Tensor x = base.call({inputs}, {{"training", false}});
    x = K::GlobalAveragePooling2D()(x);
    const K::Tensor outputs = K::Dense(1)(x);
    return K::Model(inputs, outputs);
}

K::Model siameseDistance(Session& session) {
    const K::Tensor left = K::Input(session, {16}, {.name = "left"});
    const K::Tensor right = K::Input(session, {16}, {.name = "right"});
    const K::SharedLayer encoder(session, K::Dense(8).activation("relu"));
    const K::Tensor difference = encoder(left) - encoder(right);
    const K::Tensor distance = K::ops::sqrt(K::ops::sum(K::ops::square(difference), 1, true));
    return K::Model({left, right}, distance);
}

} // namespace qk::examples
