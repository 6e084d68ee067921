# SPDX-License-Identifier: GPL-3.0-or-later
"""Values on the wire: the value schema of docs/PROTOCOL.md, in JSON and in MessagePack.

``encode`` turns a Python value into a wire tree (plain data plus ``$qk``-tagged maps, with
bytes objects where binary payloads go) or raises ``NotPlainData``; ``dumps`` serializes a
tree as JSON (bytes become base64) or MessagePack (bytes become bin). ``loads`` and
``decode`` go the other way and raise ``DecodeError`` on anything outside the schema.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import math
import mmap
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import msgpack
import numpy as np

TAG = "$qk"
JSON = "application/json"
MSGPACK = "application/msgpack"
CONTENT_TYPES = (JSON, MSGPACK)

# Nesting deeper than this is refused on decode and turned into a ref on encode.
MAX_DEPTH = 256

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Wire dtype name -> little-endian numpy dtype.
DTYPES: dict[str, np.dtype] = {
    name: np.dtype(name).newbyteorder("<")
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    )
}

# Binary payloads from this size on are never copied: ``loads`` decodes them as views of the
# body, ``dumps_parts`` writes them as buffers of their own.
LARGE_PAYLOAD = 64 * 1024
# MessagePack values ``loads`` scans for large payloads before it gives up on the search (a body
# of many small values is unpacked as it is).
_LIFT_SCAN_LIMIT = 10_000
# The extension type of a placeholder for a payload kept out of a MessagePack document.
# Extension types are not part of the protocol, so none can be mistaken for a placeholder.
_PLACEHOLDER = 0x51

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_DECIMAL = re.compile(r"-?[0-9]+")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class NotPlainData(Exception):
    """The value has no representation in the schema; the caller returns a ref instead."""


class DecodeError(ValueError):
    """Input that does not follow the value schema."""


# ---------------------------------------------------------------- serialization


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return base64.b64encode(obj).decode("ascii")
    raise TypeError(f"{type(obj).__name__} is not part of the wire schema")


def _reject_constant(name: str) -> Any:
    raise DecodeError(f'bare {name} is not JSON; send {{"$qk": "float", "v": ...}}')


def dumps(tree: Any, content_type: str = JSON) -> bytes:
    """Serialize a wire tree (from ``encode`` or plain control data)."""
    if content_type == MSGPACK:
        packed: bytes = msgpack.packb(tree, use_bin_type=True)
        return packed
    try:
        text = json.dumps(
            tree, default=_json_default, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
        return text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(tree, default=_json_default, allow_nan=False, separators=(",", ":"))
        return text.encode("ascii")


def _check_surrogates(tree: Any) -> None:
    """Refuses strings with a lone surrogate (JSON's \\ud800 escape), which are not Unicode."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise DecodeError("message has a lone surrogate (not valid Unicode)") from None
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())


def dumps_parts(tree: Any) -> list[bytes | memoryview]:
    """The MessagePack of a wire tree as buffers to write one after the other: each binary
    payload of LARGE_PAYLOAD bytes or more is a buffer of its own, not copied."""
    payloads: list[Any] = []
    nonce = os.urandom(12)

    def lift(node: Any) -> Any:
        kind = type(node)
        if kind is dict:
            return {k: lift(v) for k, v in node.items()}
        if kind is list:
            return [lift(v) for v in node]
        if kind in (bytes, bytearray, memoryview) and len(node) >= LARGE_PAYLOAD:
            payloads.append(node)
            return msgpack.ExtType(_PLACEHOLDER, nonce + len(payloads).to_bytes(4, "big"))
        return node

    lifted = lift(tree)
    document = msgpack.packb(lifted, use_bin_type=True)
    if not payloads:
        return [document]
    parts: list[bytes | memoryview] = []
    view = memoryview(document)
    start = 0
    for index, payload in enumerate(payloads, 1):
        marker = b"\xd8" + bytes([_PLACEHOLDER]) + nonce + index.to_bytes(4, "big")
        at = document.find(marker, start)
        if at < 0 or len(payload) > 0xFFFFFFFF:  # (not expected: pack it whole)
            return [msgpack.packb(tree, use_bin_type=True)]
        parts += [view[start:at], b"\xc6" + len(payload).to_bytes(4, "big"), payload]
        start = at + len(marker)
    parts.append(view[start:])
    return parts


def send_parts(sock: Any, parts: list[Any]) -> None:
    """Writes buffers one after the other on a socket: runs of small ones joined into one
    write, each larger than LARGE_PAYLOAD written as it is (not copied)."""
    pending: list[Any] = []
    for part in parts:
        if len(part) <= LARGE_PAYLOAD:
            pending.append(part)
            continue
        if pending:
            sock.sendall(b"".join(pending))
            pending = []
        sock.sendall(part)
    if pending:
        sock.sendall(b"".join(pending))


class _Unliftable(Exception):
    """The body is unpacked as it is (see _bins)."""


def _bins(data: Any) -> Iterator[tuple[int, int, int]]:
    """(header, start, length) of each bin value in MessagePack ``data``, by its framing.
    Raises _Unliftable after _LIFT_SCAN_LIMIT values, at an extension type or a byte that
    starts no value; stops where ``data`` ends."""
    size = len(data)
    pos, pending, scanned = 0, 1, 0
    try:
        while pending and pos < size:
            scanned += 1
            if scanned > _LIFT_SCAN_LIMIT:
                raise _Unliftable
            pending -= 1
            header = pos
            b = data[pos]
            pos += 1
            if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
                continue
            if b <= 0x8F:
                pending += 2 * (b & 0x0F)
            elif b <= 0x9F:
                pending += b & 0x0F
            elif b <= 0xBF:
                pos += b & 0x1F
            elif 0xC4 <= b <= 0xC6:
                width = 1 << (b - 0xC4)
                length = int.from_bytes(data[pos : pos + width], "big")
                pos += width
                yield header, pos, length
                pos += length
            elif b in (0xCA, 0xCB):
                pos += 4 if b == 0xCA else 8
            elif 0xCC <= b <= 0xD3:
                pos += 1 << ((b - 0xCC) & 3)
            elif 0xD9 <= b <= 0xDB:
                width = 1 << (b - 0xD9)
                pos += width + int.from_bytes(data[pos : pos + width], "big")
            elif b in (0xDC, 0xDD):
                width = 2 if b == 0xDC else 4
                pending += int.from_bytes(data[pos : pos + width], "big")
                pos += width
            elif b in (0xDE, 0xDF):
                width = 2 if b == 0xDE else 4
                pending += 2 * int.from_bytes(data[pos : pos + width], "big")
                pos += width
            else:
                raise _Unliftable  # extension types, 0xc1
    except IndexError:
        return


def _lift_payloads(data: Any) -> tuple[bytes, list[Any]] | None:
    """``data`` with its large bin payloads replaced by placeholders, and the payloads as
    views of ``data`` (a payload smaller than half the body is copied, so that it does not
    keep the whole body alive); None when there is nothing to lift, or the document has many
    values, extension types or broken framing (then msgpack itself reports on it)."""
    size = len(data)
    view = memoryview(data)
    pieces: list[Any] = []
    payloads: list[Any] = []
    copied = 0
    try:
        for header, start, length in _bins(data):
            if length < LARGE_PAYLOAD or start + length > size:
                continue
            pieces.append(view[copied:header])
            pieces.append(b"\xd7" + bytes([_PLACEHOLDER]) + len(payloads).to_bytes(8, "big"))
            payload = view[start : start + length]
            payloads.append(payload if 2 * length >= size else payload.tobytes())
            copied = start + length
    except _Unliftable:
        return None
    if not payloads:
        return None
    pieces.append(view[copied:])
    return b"".join(pieces), payloads


class _Body(np.ndarray):
    """A body that ``read_body`` read, made read-only."""


def read_body(stream: io.BufferedIOBase, length: int, content_type: str) -> bytes | memoryview:
    """Reads a body of ``length`` bytes (fewer when the stream ends first). A large MessagePack
    body is read into a read-only buffer placed so that its first large payload starts on a
    64-byte boundary: the array ``loads`` decodes from it is an aligned view."""
    if content_type != MSGPACK or length < 2 * LARGE_PAYLOAD:
        return stream.read(length)
    head = stream.read(LARGE_PAYLOAD)
    if len(head) < LARGE_PAYLOAD:
        return head
    offset = 0
    with contextlib.suppress(_Unliftable):
        offset = next((start for _, start, n in _bins(head) if n >= LARGE_PAYLOAD), 0)
    # Private anonymous memory in small pages: numpy's own allocation asks for huge pages,
    # whose first touch can stall on memory compaction for longer than the transfer takes.
    memory = mmap.mmap(-1, length + 64, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    body = np.frombuffer(memory, dtype=np.uint8).view(_Body)
    shift = -(body.ctypes.data + offset) % 64
    with body.data as target:
        target[shift : shift + len(head)] = head
        got = len(head) + (stream.readinto(target[shift + len(head) : shift + length]) or 0)
    body.flags.writeable = False
    return body.data[shift : shift + got]


def blob_refs(tree: Any) -> list[tuple[str, int]]:
    """The (id, bytes) of every ``blob`` in a wire tree: binary data the client staged for the
    worker to fetch."""
    refs = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get(TAG) == "blob":
                blob_id, size = node.get("id"), node.get("bytes")
                if not isinstance(blob_id, str) or type(size) is not int or size < 0:
                    raise DecodeError("a blob needs a string id and a byte count")
                refs.append((blob_id, size))
            else:
                stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return refs


def aligned_buffer(size: int) -> tuple[np.ndarray, memoryview]:
    """A buffer of ``size`` bytes starting on a 64-byte boundary, in private small-page memory
    (see read_body), and a writable view of it."""
    memory = mmap.mmap(-1, size + 64, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    body = np.frombuffer(memory, dtype=np.uint8).view(_Body)
    shift = -body.ctypes.data % 64
    return body, body.data[shift : shift + size]


def loads(data: bytes | memoryview, content_type: str = JSON) -> Any:
    """Parse a message body into a wire tree (not yet decoded into Python values). Large bin
    payloads of a MessagePack body come as read-only memoryviews of ``data``."""
    try:
        if content_type == MSGPACK:
            lifted = _lift_payloads(data) if len(data) >= LARGE_PAYLOAD else None
            if lifted is None:
                return msgpack.unpackb(data, raw=False, strict_map_key=False)
            document, payloads = lifted

            def payload(code: int, index: bytes) -> Any:
                return payloads[int.from_bytes(index, "big")]

            return msgpack.unpackb(document, raw=False, strict_map_key=False, ext_hook=payload)
        if isinstance(data, memoryview):
            data = data.tobytes()
        tree = json.loads(data, parse_constant=_reject_constant)
        if _SURROGATE_ESCAPE.search(data):
            _check_surrogates(tree)
        return tree
    except DecodeError:
        raise
    except RecursionError:
        raise DecodeError("message is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise DecodeError(f"message is not valid UTF-8: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - msgpack raises several unrelated types
        kind = "MessagePack" if content_type == MSGPACK else "JSON"
        raise DecodeError(f"invalid {kind}: {exc}") from None


# ---------------------------------------------------------------- encoding


class Encoder:
    """One encoding pass; ``binary`` says whether the tree holds bytes (then MessagePack fits
    better than JSON) and ``nbytes`` how many. With ``max_nbytes``, a value with more binary
    data is not plain data, and that is found before its bytes are copied."""

    def __init__(self, max_nbytes: int | None = None) -> None:
        self.binary = False
        self.nbytes = 0
        self._max_nbytes = max_nbytes
        self._active: set[int] = set()

    def _count(self, nbytes: int) -> None:
        self.binary = True
        self.nbytes += nbytes
        if self._max_nbytes is not None and self.nbytes > self._max_nbytes:
            raise NotPlainData(f"more than {self._max_nbytes} bytes of binary data")

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise NotPlainData(f"nested deeper than {MAX_DEPTH} levels")
        kind = type(value)
        if value is None or kind is bool:
            return value
        if kind is int:
            return self._int(value)
        if kind is float:
            return self._float(value)
        if kind is str:
            return self._str(value)
        if kind is list or kind is tuple or kind is dict:
            return self._container(value, depth)
        if isinstance(value, np.generic):
            scalar = self._numpy_scalar(value)
            if scalar is not None:
                return scalar
        if isinstance(value, np.ndarray):
            return self._ndarray(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self._bytes(value)
        if isinstance(value, (list, tuple, dict)):
            return self._container(value, depth)
        if isinstance(value, int):
            return self._int(int(value))
        if isinstance(value, float):
            return self._float(float(value))
        if isinstance(value, str):
            return self._str(str(value))
        sparse = sys.modules.get("scipy.sparse")
        if sparse is not None and sparse.issparse(value):
            return self._csr(value)
        # A tensor too large is found before it is copied to the host.
        size = getattr(value, "nbytes", None)
        limit = self._max_nbytes
        if type(size) is int and limit is not None and self.nbytes + size > limit:
            raise NotPlainData(f"more than {limit} bytes of binary data")
        array = _tensor_to_numpy(value)
        if array is not None:
            return self._ndarray(array)
        raise NotPlainData(f"{type(value).__name__} is not plain data")

    @staticmethod
    def _int(value: int) -> Any:
        if INT64_MIN <= value <= INT64_MAX:
            return value
        try:
            text = str(value)
        except ValueError as exc:  # beyond sys.get_int_max_str_digits()
            raise NotPlainData(str(exc)) from None
        return {TAG: "int", "v": text}

    @staticmethod
    def _float(value: float) -> Any:
        if math.isfinite(value):
            return value
        return {TAG: "float", "v": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}

    @staticmethod
    def _str(value: str) -> str:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise NotPlainData("string with lone surrogates") from None
        return value

    def _container(self, value: Any, depth: int) -> Any:
        key = id(value)
        if key in self._active:
            raise NotPlainData("value contains a reference cycle")
        self._active.add(key)
        try:
            if isinstance(value, dict):
                return self._dict(value, depth)
            items = [self.encode(item, depth + 1) for item in value]
            if isinstance(value, tuple):
                return {TAG: "tuple", "v": items}
            return items
        finally:
            self._active.discard(key)

    def _dict(self, value: dict[Any, Any], depth: int) -> Any:
        if TAG not in value and all(type(k) is str for k in value):
            return {self._str(k): self.encode(v, depth + 1) for k, v in value.items()}
        items = [[self.encode(k, depth + 2), self.encode(v, depth + 2)] for k, v in value.items()]
        return {TAG: "dict", "items": items}

    def _bytes(self, value: Any) -> Any:
        self._count(value.nbytes if isinstance(value, memoryview) else len(value))
        data = value.tobytes() if isinstance(value, memoryview) else bytes(value)
        return {TAG: "bytes", "v": data}

    @staticmethod
    def _numpy_scalar(value: np.generic) -> Any:
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return Encoder._int(int(value))
        if isinstance(value, np.floating) and value.dtype.name in DTYPES:
            return Encoder._float(float(value))
        return None

    def _ndarray(self, array: np.ndarray) -> Any:
        name = array.dtype.name
        if array.dtype.kind not in "biuf" or name not in DTYPES:
            raise NotPlainData(f"arrays of dtype {array.dtype} are not plain data")
        self._count(array.nbytes)
        array = np.asarray(array, dtype=DTYPES[name])
        # The notification is serialized later, on another thread, and must show the values
        # the array had when the command finished: a copy, unless its memory cannot change.
        if array.nbytes >= LARGE_PAYLOAD and array.flags.c_contiguous and _immutable(array):
            data: Any = array.reshape(-1).data.cast("B")
        else:
            data = array.tobytes(order="C")
        return {TAG: "ndarray", "dtype": name, "shape": list(array.shape), "data": data}

    def _csr(self, matrix: Any) -> Any:
        if len(matrix.shape) != 2:
            raise NotPlainData("only two-dimensional sparse matrices are plain data")
        csr = matrix.tocsr()
        return {
            TAG: "csr",
            "shape": [int(n) for n in csr.shape],
            "data": self._ndarray(np.asarray(csr.data)),
            "indices": self._ndarray(np.asarray(csr.indices)),
            "indptr": self._ndarray(np.asarray(csr.indptr)),
        }


def _immutable(array: np.ndarray) -> bool:
    """Whether the array is a read-only view of a body or of bytes (as the arrays ``loads``
    decodes are), whose memory nothing can change."""
    if array.flags.writeable:
        return False
    base: Any = array
    while True:
        if type(base) is _Body:
            return not base.flags.writeable
        if isinstance(base, np.ndarray) and base.base is not None:
            base = base.base
        elif isinstance(base, memoryview):
            base = base.obj
        else:
            return type(base) is bytes


def _tensor_to_numpy(value: Any) -> np.ndarray | None:
    """JAX, TensorFlow and PyTorch tensors as numpy arrays (only if their module is loaded)."""
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, jax.Array):
        return np.asarray(value)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return np.asarray(value.detach().cpu().numpy())
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.is_tensor(value) and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return None


def encode(value: Any) -> Any:
    """The wire tree of ``value``; raises NotPlainData if it has none."""
    return Encoder().encode(value)


def encode_float(value: Any) -> Any:
    """A metric value as a wire number (non-finite ones tagged), or None if not a number."""
    try:
        return Encoder._float(float(value))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- decoding


class Decoder:
    """One decoding pass. ``resolve_ref(name)`` looks up a ``ref``; ``has_refs`` tells
    whether the tree held any (then the value depends on the scope at run time)."""

    def __init__(
        self,
        resolve_ref: Callable[[str], Any] | None = None,
        blobs: dict[str, memoryview] | None = None,
    ) -> None:
        self.resolve_ref = resolve_ref
        self.blobs = blobs
        self.has_refs = False

    def _data(self, v: Any, what: str) -> bytes | memoryview:
        """Binary data: inline, or a ``blob`` the client staged and the worker has fetched."""
        if isinstance(v, dict) and v.get(TAG) == "blob":
            blob = (self.blobs or {}).get(v.get("id"))  # type: ignore[arg-type]
            if blob is None:
                raise DecodeError(f"{what}: blob {v.get('id')!r} was not fetched")
            if len(blob) != v.get("bytes"):
                raise DecodeError(f"{what}: blob {v.get('id')!r} is not the size announced")
            return blob
        return _binary(v, what)

    def decode(self, tree: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise DecodeError(f"value is nested deeper than {MAX_DEPTH} levels")
        kind = type(tree)
        if tree is None or kind in (bool, int, float, str):
            return tree
        if kind is list:
            return [self.decode(item, depth + 1) for item in tree]
        if kind is dict:
            if TAG in tree:
                return self._tagged(tree, depth)
            out = {}
            for key, item in tree.items():
                if type(key) is not str:
                    raise DecodeError(
                        f"map key {key!r} is not a string; use the 'dict' tag for other keys"
                    )
                out[key] = self.decode(item, depth + 1)
            return out
        if kind is bytes:
            return tree
        if kind is memoryview:  # a large payload of the body (see loads)
            return tree.tobytes()
        raise DecodeError(f"unsupported wire type {kind.__name__}")

    def _tagged(self, tree: dict[str, Any], depth: int) -> Any:
        tag = tree[TAG]
        handler = _TAGS.get(tag) if isinstance(tag, str) else None
        if handler is None:
            raise DecodeError(f"unknown {TAG} tag {tag!r}")
        try:
            return handler(self, tree, depth)
        except KeyError as exc:
            raise DecodeError(f"{TAG} {tag!r} lacks the field {exc}") from None

    def _float(self, tree: dict[str, Any], depth: int) -> float:
        v = tree["v"]
        if isinstance(v, float) and not math.isfinite(v):
            return v
        if not isinstance(v, str) or v not in _NONFINITE:
            raise DecodeError(f"float tag value must be 'nan', 'inf' or '-inf', not {v!r}")
        return _NONFINITE[v]

    def _int(self, tree: dict[str, Any], depth: int) -> int:
        v = tree["v"]
        if not isinstance(v, str) or not _DECIMAL.fullmatch(v):
            raise DecodeError(f"int tag value must be a decimal string, not {v!r}")
        try:
            return int(v)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def _tuple(self, tree: dict[str, Any], depth: int) -> tuple[Any, ...]:
        v = tree["v"]
        if not isinstance(v, list):
            raise DecodeError("tuple tag value must be a list")
        return tuple(self.decode(item, depth + 1) for item in v)

    def _bytes(self, tree: dict[str, Any], depth: int) -> bytes:
        data = self._data(tree["v"], "bytes")
        return data.tobytes() if isinstance(data, memoryview) else data

    def _dict(self, tree: dict[str, Any], depth: int) -> dict[Any, Any]:
        items = tree["items"]
        if not isinstance(items, list):
            raise DecodeError("dict tag items must be a list of [key, value] pairs")
        out = {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2:
                raise DecodeError("dict tag items must be a list of [key, value] pairs")
            key = self.decode(pair[0], depth + 2)
            try:
                out[key] = self.decode(pair[1], depth + 2)
            except TypeError as exc:  # unhashable key
                raise DecodeError(f"dict key {key!r}: {exc}") from None
        return out

    def _ndarray(self, tree: dict[str, Any], depth: int) -> np.ndarray:
        name, shape = tree["dtype"], tree["shape"]
        if not isinstance(name, str) or name not in DTYPES:
            raise DecodeError(f"ndarray dtype must be one of {', '.join(DTYPES)}, not {name!r}")
        if not isinstance(shape, list) or not all(
            type(n) is int and n >= 0 for n in shape
        ):  # type() excludes bool
            raise DecodeError(f"ndarray shape must be a list of non-negative ints, not {shape!r}")
        if len(shape) > 64:
            raise DecodeError("ndarray has more than 64 dimensions")
        data = self._data(tree["data"], "ndarray data")
        dtype = DTYPES[name]
        expected = math.prod(shape) * dtype.itemsize
        if len(data) != expected:
            raise DecodeError(
                f"ndarray {name}{tuple(shape)} needs {expected} bytes of data, got {len(data)}"
            )
        # Zero-copy: the array is a read-only view of the message's bytes (copied only when
        # its place in the message leaves it unaligned for its dtype).
        array = np.frombuffer(data, dtype=dtype)
        if not array.flags.aligned:
            array = np.frombuffer(bytes(data), dtype=dtype)
        return array.reshape(shape)

    def _csr(self, tree: dict[str, Any], depth: int) -> Any:
        shape = tree["shape"]
        if not (isinstance(shape, list) and len(shape) == 2 and all(type(n) is int for n in shape)):
            raise DecodeError("csr shape must be [rows, cols]")
        parts = []
        for field in ("data", "indices", "indptr"):
            part = tree[field]
            if not (isinstance(part, dict) and part.get(TAG) == "ndarray"):
                raise DecodeError(f"csr {field} must be an ndarray")
            array = self._ndarray(part, depth + 1)
            if array.ndim != 1:
                raise DecodeError(f"csr {field} must be one-dimensional")
            parts.append(array)
        data, indices, indptr = parts
        if indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu":
            raise DecodeError("csr indices and indptr must be integer arrays")
        if len(indptr) != shape[0] + 1 or len(indices) != len(data):
            raise DecodeError("csr indptr must have rows + 1 entries and indices one per datum")
        from scipy import sparse

        try:
            return sparse.csr_matrix((data, indices, indptr), shape=tuple(shape))
        except ValueError as exc:
            raise DecodeError(f"invalid csr matrix: {exc}") from None

    def _ref(self, tree: dict[str, Any], depth: int) -> Any:
        name = tree["name"]
        if not isinstance(name, str) or not name.isidentifier():
            raise DecodeError(f"ref name must be an identifier, not {name!r}")
        self.has_refs = True
        if self.resolve_ref is None:
            return None
        return self.resolve_ref(name)


_TAGS: dict[str, Callable[[Decoder, dict[str, Any], int], Any]] = {
    "float": Decoder._float,
    "int": Decoder._int,
    "tuple": Decoder._tuple,
    "bytes": Decoder._bytes,
    "dict": Decoder._dict,
    "ndarray": Decoder._ndarray,
    "csr": Decoder._csr,
    "ref": Decoder._ref,
}


def _binary(v: Any, what: str) -> bytes | memoryview:
    if isinstance(v, (bytes, memoryview)):
        return v
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError(f"{what} is not valid base64") from None
    raise DecodeError(f"{what} must be bin (MessagePack) or a base64 string (JSON)")


def decode(tree: Any, resolve_ref: Callable[[str], Any] | None = None) -> Any:
    """The Python value of a wire tree; raises DecodeError outside the schema."""
    return Decoder(resolve_ref).decode(tree)
