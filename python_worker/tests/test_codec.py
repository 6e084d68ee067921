# SPDX-License-Identifier: GPL-3.0-or-later
"""The value codec on its own: round trips in JSON and MessagePack, and refusals."""

import io
import math

import msgpack
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse

from qtkeras_worker import codec

FORMATS = [codec.JSON, codec.MSGPACK]


def round_trip(value, fmt):
    return codec.decode(codec.loads(codec.dumps(codec.encode(value), fmt), fmt))


def same(a, b):
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


keys = st.one_of(st.integers(), st.text(max_size=8), st.tuples(st.integers(), st.booleans()))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(max_size=64),
)
arrays = hnp.arrays(
    dtype=st.sampled_from([np.dtype(n) for n in codec.DTYPES]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)
values = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("fmt", FORMATS)
@given(value=values)
def test_values_round_trip(fmt, value):
    assert same(round_trip(value, fmt), value)


@given(value=values)
def test_json_never_has_bare_nan(value):
    data = codec.dumps(codec.encode(value), codec.JSON)
    codec.loads(data, codec.JSON)  # would refuse NaN and Infinity tokens


@pytest.mark.parametrize("fmt", FORMATS)
def test_sparse_and_scalars(fmt):
    matrix = sparse.random(5, 7, density=0.3, format="coo", random_state=1)
    got = round_trip(matrix, fmt)
    assert sparse.issparse(got) and got.format == "csr"
    np.testing.assert_array_equal(got.toarray(), matrix.toarray())
    assert round_trip([np.float32(0.5), np.uint64(2**64 - 1), np.bool_(False)], fmt) == [
        0.5,
        2**64 - 1,
        False,
    ]


def test_arrays_are_little_endian_c_contiguous_on_the_wire():
    big_endian = np.arange(6, dtype=">i2").reshape(2, 3).T
    tree = codec.encode(big_endian)
    assert tree["dtype"] == "int16" and tree["shape"] == [3, 2]
    assert tree["data"] == np.ascontiguousarray(big_endian, dtype="<i2").tobytes()


def test_decoded_arrays_share_the_message_bytes():
    data = np.arange(4, dtype="<f8").tobytes()
    tree = {"$qk": "ndarray", "dtype": "float64", "shape": [2, 2], "data": data}
    array = codec.decode(tree)
    assert array.base is not None and not array.flags.writeable
    np.testing.assert_array_equal(array, [[0, 1], [2, 3]])


@pytest.mark.parametrize(
    "value",
    [
        object(),
        {1, 2},
        1 + 2j,
        np.array([1 + 1j]),
        np.array(["text"]),
        10**5000,
        "lone \ud800 surrogate",
    ],
    ids=lambda v: type(v).__name__,
)
def test_values_outside_the_schema_are_not_plain(value):
    with pytest.raises(codec.NotPlainData):
        codec.encode(value)


def test_cycles_and_deep_nesting_are_not_plain():
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(codec.NotPlainData):
        codec.encode(cyclic)
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(codec.NotPlainData):
        codec.encode(deep)
    shared = [1]
    assert codec.encode([shared, shared]) == [[1], [1]]  # shared is not cyclic


@pytest.mark.parametrize(
    "tree,fragment",
    [
        ({"$qk": "ndarray", "dtype": "object", "shape": [1], "data": b"x"}, "dtype"),
        ({"$qk": "ndarray", "dtype": "int32", "shape": [2], "data": b"xyz"}, "8 bytes"),
        ({"$qk": "ndarray", "dtype": "int32", "shape": [-1], "data": b""}, "shape"),
        ({"$qk": "ndarray", "dtype": "int32", "shape": [True], "data": b"\0" * 4}, "shape"),
        ({"$qk": "ndarray", "dtype": "int32", "shape": [1], "data": "%%%"}, "base64"),
        ({"$qk": "float", "v": "NaN"}, "nan"),
        ({"$qk": "int", "v": "12a"}, "decimal"),
        ({"$qk": "dict", "items": [[[1], 2]]}, "unhashable"),
        ({"$qk": "tuple"}, "lacks"),
        ({"$qk": "csr", "shape": [2, 2], "data": 1, "indices": 1, "indptr": 1}, "ndarray"),
        ({"$qk": "nope"}, "unknown"),
        ({"$qk": "ref", "name": "not valid"}, "identifier"),
    ],
)
def test_malformed_trees_are_refused(tree, fragment):
    with pytest.raises(codec.DecodeError, match=fragment):
        codec.decode(tree)


def test_malformed_messages_are_refused():
    with pytest.raises(codec.DecodeError, match="bare NaN"):
        codec.loads(b'{"v": NaN}', codec.JSON)
    with pytest.raises(codec.DecodeError, match="not a string"):
        codec.decode(codec.loads(msgpack.packb({1: 2}), codec.MSGPACK))
    with pytest.raises(codec.DecodeError, match="deeper"):
        codec.decode(codec.loads(b"[" * 300 + b"]" * 300, codec.JSON))
    with pytest.raises(codec.DecodeError):
        codec.loads(b"[" * 100000 + b"]" * 100000, codec.JSON)
    with pytest.raises(codec.DecodeError):
        codec.loads(b"\xc1", codec.MSGPACK)
    assert math.isnan(codec.decode(codec.loads(msgpack.packb(math.nan), codec.MSGPACK)))


# ---------------------------------------------------------------- large payloads


def read(body):
    """The body as the server reads it, then decoded."""
    data = codec.read_body(io.BytesIO(body), len(body), codec.MSGPACK)
    return codec.decode(codec.loads(data, codec.MSGPACK))


LARGE_ARRAYS = [
    np.arange(70_000) % 2 == 0,
    *(
        (np.arange(200_000) % 100).astype(name)
        for name in codec.DTYPES
        if name not in ("bool", "float16")
    ),
    np.full((300, 300), 1.5, dtype="float16"),
    np.arange(3_000_000, dtype="float32").reshape(1000, 3000),
]


@pytest.mark.parametrize("array", LARGE_ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
def test_large_arrays_round_trip_as_aligned_views_of_the_body(array):
    tree = {"results": [{"id": "c1", "value": codec.encode(array), "seconds": 0.5}]}
    parts = codec.dumps_parts(tree)
    body = b"".join(parts)
    # The same MessagePack as packed whole; the payload is a buffer of its own.
    assert body == codec.dumps(tree, codec.MSGPACK)
    assert any(len(part) == array.nbytes for part in parts)
    back = read(body)["results"][0]["value"]
    assert same(back, array)
    assert back.flags.aligned and not back.flags.writeable
    with pytest.raises(ValueError):
        back.flags.writeable = True
    # Sent back, the array's memory is not copied: it cannot change.
    assert isinstance(codec.encode(back)["data"], memoryview)


@pytest.mark.parametrize(
    "value",
    [
        np.zeros((0, 5), dtype="float32"),
        np.array(2.5),
        np.arange(3, dtype="int8"),
        b"x" * 70_000,
        [np.arange(20_000, dtype="float32"), b"", np.arange(30_000, dtype="int64")],
        {"a": np.arange(100_000, dtype="uint16"), "b": (b"y" * 65_536, 1)},
        sparse.random(300, 400, density=0.2, format="csr", random_state=1),
    ],
    ids=["empty", "0-d", "small", "bytes", "several", "nested", "csr"],
)
def test_payloads_of_every_size_round_trip(value):
    body = b"".join(codec.dumps_parts(codec.encode(value)))
    back = read(body)
    if sparse.issparse(value):
        assert (back != value).nnz == 0
    else:
        assert same(back, value)


def test_writable_arrays_are_copied_when_encoded():
    array = np.arange(100_000, dtype="float32")
    tree = codec.encode(array)
    assert isinstance(tree["data"], bytes)
    array[0] = -1
    assert np.frombuffer(tree["data"], dtype="float32")[0] == 0


def test_many_small_values_decode_without_the_payload_search():
    value = {"numbers": list(range(50_000)), "x": np.arange(50_000, dtype="float64")}
    assert same(read(codec.dumps(codec.encode(value), codec.MSGPACK)), value)


def test_broken_large_bodies_are_refused():
    array = np.arange(100_000, dtype="float32")
    body = codec.dumps(codec.encode(array), codec.MSGPACK)
    with pytest.raises(codec.DecodeError, match="MessagePack"):
        read(body[:-1])
    with pytest.raises(codec.DecodeError, match="MessagePack"):
        read(body + b"\x01")
    # Data that is not a whole number of elements.
    odd = codec.dumps({**codec.encode(array), "data": bytes(400_001)}, codec.MSGPACK)
    with pytest.raises(codec.DecodeError, match="needs 400000 bytes of data, got 400001"):
        read(odd)
    # An extension type (the placeholder's own) from the peer.
    ext = msgpack.packb([msgpack.ExtType(0x51, bytes(8)), bytes(200_000)])
    with pytest.raises(codec.DecodeError, match="ExtType"):
        read(ext)


def test_a_body_cut_short_reads_what_arrived():
    body = codec.dumps(codec.encode(np.arange(100_000, dtype="float32")), codec.MSGPACK)
    data = codec.read_body(io.BytesIO(body[:300_000]), len(body), codec.MSGPACK)
    assert len(data) == 300_000
