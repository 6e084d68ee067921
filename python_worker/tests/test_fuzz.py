# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzing the worker's decoder and endpoints with Hypothesis.

A short run is part of the suite; tests/fuzz_worker.py drives the same harnesses for minutes
(scripts/fuzz.sh). The decoder must turn any bytes into a value or a DecodeError; the
endpoints must answer any request with a status below 500 (or close the connection), run
nothing without the token, and keep serving.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtkeras_worker import codec

FORMATS = [codec.JSON, codec.MSGPACK]
TAGS = ["float", "int", "tuple", "bytes", "dict", "ndarray", "csr", "ref", "other"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=24),
)


def _tagged(inner):
    """Maps with the reserved key, their fields drawn from what the schema uses and from noise."""
    fields = st.dictionaries(
        st.sampled_from(["v", "items", "dtype", "shape", "data", "indices", "indptr", "name"]),
        st.one_of(
            inner,
            st.sampled_from(["nan", "-inf", "float32", "int64", "bool", "<f8", "12", "-0"]),
            st.lists(st.integers(min_value=-3, max_value=2**63 - 1), max_size=4),
        ),
        max_size=4,
    )
    return st.builds(lambda tag, rest: {codec.TAG: tag, **rest}, st.sampled_from(TAGS), fields)


trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
        _tagged(inner),
    ),
    max_leaves=24,
)


def _wire_bytes(tree, fmt: str) -> bytes:
    if fmt == codec.MSGPACK:
        return msgpack.packb(tree, use_bin_type=True)
    return json.dumps(tree, default=lambda b: b.hex()).encode()


def check_decoder(data: bytes, fmt: str) -> None:
    """Bytes -> tree -> value: a value or a DecodeError; a value encodes again."""
    try:
        value = codec.decode(codec.loads(data, fmt))
    except codec.DecodeError:
        return
    codec.dumps(codec.encode(value), fmt)


@given(data=st.binary(max_size=512), fmt=st.sampled_from(FORMATS))
def test_decoder_survives_any_bytes(data, fmt):
    check_decoder(data, fmt)


@given(tree=trees, fmt=st.sampled_from(FORMATS), cut=st.integers(min_value=0, max_value=8))
def test_decoder_survives_schema_like_trees(tree, fmt, cut):
    data = _wire_bytes(tree, fmt)
    check_decoder(data, fmt)
    check_decoder(data[: len(data) - cut], fmt)  # truncated


# ---------------------------------------------------------------- endpoints

_worker = None


def shared_worker():
    """One real worker for every example (a fixture cannot reach fuzz_one_input)."""
    global _worker
    if _worker is None:
        from helpers import Worker

        _worker = Worker()
    return _worker


def close_shared_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.close()
        _worker = None


PATHS = ["/commands", "/decisions", "/interrupt", "/stop-training", "/status", "/variables"]
PATHS += ["/variables/delete", "/health", "/notifications?since=0&wait=0", "/", "/nowhere"]
PATHS += ["/results?seq=1", "/results?seq=-5", "/results?seq=x", "/results"]
requests = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "BREW"]),
        "path": st.one_of(st.sampled_from(PATHS), st.text(max_size=12).map(lambda t: "/" + t)),
        "token": st.sampled_from(["valid", "none", "wrong"]),
        "host": st.sampled_from(["127.0.0.1", "localhost", "evil.example", "127.0.0.1:1"]),
        "extra": st.lists(
            st.sampled_from(
                [
                    "Origin: http://evil.example",
                    "Sec-Fetch-Site: cross-site",
                    "Transfer-Encoding: chunked",
                    "Expect: 100-continue",
                    "Connection: close",
                    "Content-Length: 10737418240",
                    "Content-Length: 5",
                    "X-Junk: \x01",
                ]
            ),
            max_size=2,
        ),
        "type": st.sampled_from([codec.JSON, codec.MSGPACK, "text/plain", ""]),
        "body": st.one_of(
            st.binary(max_size=128),
            trees.map(lambda t: _wire_bytes(t, codec.JSON)),
            trees.map(lambda t: _wire_bytes(t, codec.MSGPACK)),
            # Commands whose code is harmless; the rest of the command is fuzzed.
            st.fixed_dictionaries(
                {"id": st.text(max_size=6), "code": st.sampled_from(["1", "None", "'x'"])},
                optional={"bindings": trees, "lifetime": trees, "result": trees},
            ).map(lambda c: _wire_bytes(c, codec.JSON)),
        ),
        "cut": st.integers(min_value=0, max_value=4),
    }
)


def _resume(worker) -> None:
    """A fuzzed command may fail and pause the queue; drop it, as a user would."""
    status = worker.request("GET", "/status")[1]
    if status["paused_on"] is not None:
        worker.decide(status["paused_on"], "drop")


def check_endpoint(request: dict) -> None:
    worker = shared_worker()
    executed_before = worker.run("__fuzz_marker__ = globals().get('__fuzz_marker__', 0) + 1")
    assert executed_before is None
    token = {"valid": worker.token, "wrong": "f" * 64, "none": None}[request["token"]]
    host = request["host"] if ":" in request["host"] else f"{request['host']}:{worker.port}"
    lines = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {host}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if request["type"]:
        lines.append(f"Content-Type: {request['type']}")
    lines += request["extra"]
    body = request["body"]
    if not any(x.startswith(("Content-Length", "Transfer-Encoding")) for x in request["extra"]):
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
    raw = raw[: len(raw) - request["cut"]]
    status = None
    with socket.create_connection(("127.0.0.1", worker.port), timeout=15) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        try:
            with contextlib.suppress(http.client.HTTPException, ConnectionError, TimeoutError):
                response.begin()
                status = response.status
        finally:
            response.close()
    if status is not None:
        assert status < 500, f"{status} for {raw[:200]!r}"
        if request["token"] != "valid":
            assert 400 <= status < 500
    _resume(worker)
    # Still serving, in order: nothing ran between the two markers but accepted commands.
    assert worker.run("__fuzz_marker__") >= 1


fuzz_settings = settings(suppress_health_check=list(HealthCheck), deadline=None)


@fuzz_settings
@given(request=requests)
def test_endpoints_survive_hostile_requests(request):
    check_endpoint(request)


def teardown_module(module) -> None:
    close_shared_worker()
