"""The value codec on its own: round trips in JSON and MessagePack, and refusals."""

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
