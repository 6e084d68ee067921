// SPDX-License-Identifier: GPL-3.0-or-later
// keras.io architectures as plain Keras code, for the tests that compare what the IDE builds
// with what Python builds.
#pragma once

namespace qk::test::kerasio {

// Each builds `m` from built-in layers only (keras.io's examples, small where the example is
// big and the structure the same).
inline constexpr const char* mnistConvnet = R"(
i = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu")(i)
x = keras.layers.MaxPooling2D(pool_size=(2, 2))(x)
x = keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu")(x)
x = keras.layers.MaxPooling2D(pool_size=(2, 2))(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dropout(0.5)(x)
m = keras.Model(i, keras.layers.Dense(10, activation="softmax")(x))
)";

inline constexpr const char* bidirectionalLstm = R"(
i = keras.Input(shape=(None,), dtype="int32")
x = keras.layers.Embedding(20000, 128)(i)
x = keras.layers.Bidirectional(keras.layers.LSTM(64, return_sequences=True))(x)
x = keras.layers.Bidirectional(keras.layers.LSTM(64))(x)
m = keras.Model(i, keras.layers.Dense(1, activation="sigmoid")(x))
)";

// keras.io "Text classification with Transformer", its TransformerBlock written out with
// built-in layers (the token embedding only: the position embedding is a layer of its own
// there): the attention takes the same tensor as query and value.
inline constexpr const char* transformerClassifier = R"(
i = keras.Input(shape=(200,))
x = keras.layers.Embedding(20000, 32)(i)
a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=32)(x, x)
a = keras.layers.Dropout(0.1)(a)
x1 = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x, a]))
f = keras.layers.Dense(32, activation="relu")(x1)
f = keras.layers.Dense(32)(f)
f = keras.layers.Dropout(0.1)(f)
x2 = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x1, f]))
x = keras.layers.GlobalAveragePooling1D()(x2)
x = keras.layers.Dropout(0.1)(x)
x = keras.layers.Dense(20, activation="relu")(x)
x = keras.layers.Dropout(0.1)(x)
m = keras.Model(i, keras.layers.Dense(2, activation="softmax")(x))
)";

// keras.io "The Functional API": a ticket classifier with three inputs and two outputs.
inline constexpr const char* twoInputsTwoOutputs = R"(
title = keras.Input(shape=(None,), name="title")
body = keras.Input(shape=(None,), name="body")
tags = keras.Input(shape=(12,), name="tags")
t = keras.layers.LSTM(128)(keras.layers.Embedding(10000, 64)(title))
b = keras.layers.LSTM(32)(keras.layers.Embedding(10000, 64)(body))
x = keras.layers.concatenate([t, b, tags])
priority = keras.layers.Dense(1, name="priority")(x)
department = keras.layers.Dense(4, name="department")(x)
m = keras.Model(inputs=[title, body, tags], outputs=[priority, department])
)";

inline constexpr const char* conv1dTimeseries = R"(
i = keras.Input(shape=(500, 1))
x = i
for _ in range(3):
    x = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
x = keras.layers.GlobalAveragePooling1D()(x)
m = keras.Model(i, keras.layers.Dense(2, activation="softmax")(x))
)";

inline constexpr const char* sharedLayer = R"(
a = keras.Input(shape=(16,))
b = keras.Input(shape=(16,))
shared = keras.layers.Dense(8, name="shared")
x = keras.layers.Subtract()([shared(a), shared(b)])
m = keras.Model([a, b], keras.layers.Dense(1)(x))
)";

inline constexpr const char* mobileNetV2 = R"(
m = keras.applications.MobileNetV2(weights=None)
)";

inline constexpr const char* resNet50 = R"(
m = keras.applications.ResNet50(weights=None)
)";

} // namespace qk::test::kerasio
