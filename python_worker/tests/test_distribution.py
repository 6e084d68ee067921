# SPDX-License-Identifier: GPL-3.0-or-later
"""Distributed training on Keras' distribution API with real workers: DataParallel and
ModelParallel on 4 simulated CPU devices, the layout report, checkpoints, and argument
checks. Losses must equal those of training on one device."""

import math

import keras
import numpy as np
import pytest
from helpers import Worker

from qtkeras_worker import checkpoints
from qtkeras_worker import distribution as dist

# A small classifier on fixed data, built after the distribution is set; every run starts
# from the same weights (the seed) and sees the same batches (no shuffling).
BUILD = """
import numpy as np
import keras
import qtkeras_worker.model_support as ms
import qtkeras_worker.distribution as dist
rng = np.random.default_rng(0)
x = rng.normal(size=(120, 4)).astype('float32')
y = keras.utils.to_categorical(rng.integers(0, 3, 120), 3).astype('float32')
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation='sigmoid'),
                          keras.layers.Dense(8), keras.layers.Dense(3, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.Adam(0.01),
              metrics=['accuracy'])
"""
FIT = "ms.fit(model, x, y, epochs={epochs}, batch_size=16, shuffle=False{extra})"


def assert_losses_match_one_device(results: list, epochs: int = 4) -> None:
    """Each result's per-epoch losses equal a single-device worker's on the same model."""
    reference = Worker()
    try:
        reference.run(BUILD, timeout=120)
        single = reference.run(FIT.format(epochs=epochs, extra=""), timeout=180)["history"]
    finally:
        reference.close()
    for result in results:
        for got, want in zip(result["history"]["loss"], single["loss"], strict=True):
            assert math.isclose(got, want, abs_tol=1e-5), (result["history"]["loss"], single)


MODEL_PARALLEL = {
    "kind": "model",
    "mesh": {"shape": [2, 2], "axes": ["batch", "model"]},
    "rules": [
        {"pattern": ".*dense(_1)?/kernel", "axes": [None, "model"]},
        {"pattern": ".*dense(_1)?/bias", "axes": ["model"]},
        {"pattern": "dense_2/kernel", "axes": ["model", None]},
    ],
}


def _train(worker, spec=None, epochs=4, extra=""):
    if spec is not None:
        worker.run(f"import qtkeras_worker.distribution as dist\ndist.configure({spec!r})", 60)
    worker.run(BUILD, timeout=120)
    return worker.run(FIT.format(epochs=epochs, extra=extra), timeout=180)


def _assert_close(losses, reference, tolerance=1e-5):
    assert len(losses) == len(reference)
    for a, b in zip(losses, reference, strict=True):
        assert math.isclose(a, b, rel_tol=0, abs_tol=tolerance), (losses, reference)


@pytest.fixture(scope="module")
def single():
    """Training on one device: the reference."""
    w = Worker()
    yield _train(w)["history"]
    w.close()


@pytest.fixture
def four():
    w = Worker(args=("--cpu-devices", "4"))
    yield w
    w.close()


@pytest.mark.timeout(240)
def test_data_parallel_on_four_devices_equals_one_device(single, four):
    info = four.run(
        "import qtkeras_worker.distribution as dist\ndist.configure({'kind': 'data'})", 60
    )
    assert info["kind"] == "data" and info["replicas"] == 4
    assert info["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    four.run(BUILD, timeout=120)
    layout = four.run("dist.layout(model, {'kind': 'data'})")
    assert {tuple(v["axes"]) for v in layout["variables"]} == {(None, None), (None,)}
    assert all(v["actual"] == v["axes"] for v in layout["variables"])
    history = four.run(FIT.format(epochs=4, extra=""), timeout=180)["history"]
    _assert_close(history["loss"], single["loss"])
    _assert_close(history["accuracy"], single["accuracy"])


@pytest.mark.timeout(240)
def test_model_parallel_shards_what_the_rules_say_and_equals_one_device(single, four):
    four.run(f"import qtkeras_worker.distribution as dist\ndist.configure({MODEL_PARALLEL!r})")
    four.run(BUILD, timeout=120)
    layout = four.run(f"dist.layout(model, {MODEL_PARALLEL!r})")
    by_path = {v["path"]: v for v in layout["variables"]}
    kernel = by_path["sequential/dense/kernel"]
    assert kernel["rule"] == ".*dense(_1)?/kernel"
    assert kernel["axes"] == [None, "model"] and kernel["shard_shape"] == [4, 8]
    assert kernel["copies"] == 2 and kernel["problem"] is None
    assert by_path["sequential/dense_1/bias"]["shard_shape"] == [4]
    assert by_path["sequential/dense_2/kernel"]["rule"] is None
    assert by_path["sequential/dense_2/kernel"]["axes"] == [None, None]
    # What Keras did is what the report said it would do.
    for entry in layout["variables"]:
        assert entry["actual"] == entry["axes"], entry
    # A rule that matches no variable is shown, with the path it matches only a part of.
    assert layout["unmatched_rules"] == ["dense_2/kernel"]
    unmatched = layout["rules"][2]
    assert unmatched["matches"] == 0
    assert unmatched["partial"] == ["sequential/dense_2/kernel"]
    history = four.run(FIT.format(epochs=4, extra=""), timeout=180)["history"]
    _assert_close(history["loss"], single["loss"])


@pytest.mark.timeout(180)
def test_a_model_built_before_the_distribution_is_refused_with_the_reason(four):
    four.run(BUILD, timeout=120)
    four.run("dist.configure({'kind': 'data'})")
    body = four.fail(FIT.format(epochs=1, extra=""), timeout=120)
    assert (
        "sequential/dense/kernel was made before the distribution was set"
        in (body["error"]["message"])
    )
    four.decide(body["id"], "drop")


@pytest.mark.timeout(180)
def test_a_batch_that_does_not_split_over_the_devices_is_refused_before_training(four):
    four.run("import qtkeras_worker.distribution as dist\ndist.configure({'kind': 'data'})")
    four.run(BUILD, timeout=120)
    body = four.fail("ms.fit(model, x[:118], y[:118], epochs=1, batch_size=16)", timeout=120)
    message = body["error"]["message"]
    assert "118 rows in batches of 16 give a batch of 6 rows" in message
    assert "4 equal parts" in message
    four.decide(body["id"], "drop")
    assert four.recorder.events("epoch", body["id"]) == []


@pytest.mark.timeout(240)
def test_resuming_from_a_checkpoint_continues_as_if_never_stopped(single, tmp_path):
    first = Worker()
    try:
        done = _train(first, epochs=2, extra=f", checkpoint={str(tmp_path)!r}")
    finally:
        first.close()
    assert done["epochs"] == [1, 2]
    assert checkpoints.epoch(str(tmp_path)) == 2
    second = Worker()
    try:
        resumed = _train(second, epochs=4, extra=f", checkpoint={str(tmp_path)!r}, resume=True")
    finally:
        second.close()
    assert resumed["resumed_from"] == 2 and resumed["epochs"] == [3, 4]
    _assert_close(done["history"]["loss"] + resumed["history"]["loss"], single["loss"])


# ---------------------------------------------------------------- the report, in-process


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(4, name="hidden"),
            keras.layers.Dense(3, name="out"),
        ],
        name="net",  # paths independent of the other models made in this process
    )


def _spec(*rules, shape=(2, 2)):
    return {
        "kind": "model",
        "mesh": {"shape": list(shape), "axes": ["batch", "model"]},
        "rules": [{"pattern": p, "axes": a} for p, a in rules],
    }


def test_a_rule_that_matches_only_part_of_a_path_matches_nothing_and_says_so(model):
    report = dist.layout(model, _spec(("hidden/kernel", [None, "model"])))
    assert report["unmatched_rules"] == ["hidden/kernel"]
    assert report["rules"][0]["partial"] == ["net/hidden/kernel"]
    assert all(v["rule"] is None and v["copies"] == 4 for v in report["variables"])


def test_two_rules_for_one_path_is_the_error_keras_would_raise(model):
    spec = _spec((".*hidden/kernel", [None, "model"]), (".*hidden/k.*", [None, None]))
    report = dist.layout(model, spec)
    hidden = next(v for v in report["variables"] if v["path"] == "net/hidden/kernel")
    assert "2 rules match this path: '.*hidden/kernel', '.*hidden/k.*'" in hidden["problem"]
    assert report["problems"] == 1


def test_axes_keras_could_not_apply_are_problems_on_the_variable(model):
    report = dist.layout(
        model, _spec((".*out/kernel", [None, "model"]), (".*hidden/bias", [None, "model"]))
    )
    by_path = {v["path"]: v for v in report["variables"]}
    assert (
        "dimension 1 (size 3) does not split into 2 equal shards along 'model'"
        in (by_path["net/out/kernel"]["problem"])
    )
    assert "2 axes for a tensor of 1 dimensions" in by_path["net/hidden/bias"]["problem"]


def test_a_rule_exactly_equal_to_a_path_wins_as_in_keras(model):
    spec = _spec(("net/hidden/kernel", ["model", None]), (".*kernel", [None, "model"]))
    report = dist.layout(model, spec)
    hidden = next(v for v in report["variables"] if v["path"] == "net/hidden/kernel")
    assert hidden["rule"] == "net/hidden/kernel" and hidden["shard_shape"] == [3, 4]


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "pipeline"}, "kind must be 'data' or 'model'"),
        ({"kind": "model"}, "needs mesh"),
        ({"kind": "model", "mesh": {"shape": [2], "axes": ["a", "b"]}}, "one size per axis"),
        (_spec(("dense[", [None])), "not a regular expression"),
        (_spec(("x", ["rows"])), "names the axis 'rows'"),
        ({"kind": "data", "rules": [{"pattern": "x", "axes": []}]}, "need kind 'model'"),
        ({"kind": "data", "devices": 3, "speed": 1}, "unknown fields"),
    ],
)
def test_specs_keras_would_misread_are_refused_with_the_reason(model, spec, words):
    with pytest.raises(dist.DistributionError, match=words.replace("(", r"\(")):
        dist.layout(model, spec)


def test_process_shards_together_are_the_global_batches():
    x = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    shards = dist._sharded_class()
    for shuffle in (False, True):
        parts = [shards((x, y), 8, 2, i, shuffle, seed=3) for i in range(2)]
        for batch in range(len(parts[0])):
            rows = np.concatenate([p[batch][1] for p in parts])
            whole = parts[0]._order[batch * 8 : (batch + 1) * 8]
            assert list(rows) == list(whole)
            assert list(parts[0][batch][0][:, 0] // 2) == list(parts[0][batch][1])
        assert len(parts[0]) == 3 and len(parts[1][2][1]) == 2
        parts[0].on_epoch_end()
        parts[1].on_epoch_end()
        assert list(parts[0]._order) == list(parts[1]._order)
