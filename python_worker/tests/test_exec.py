# SPDX-License-Identifier: GPL-3.0-or-later
"""Execution semantics of the real worker: values, scope, bindings, errors, decisions,
interrupts, output, refs and special values."""

import base64
import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
from collections import Counter

import numpy as np
import pytest
from helpers import Ref, held, new_id
from scipy import sparse

from qtkeras_worker import codec
from qtkeras_worker.executor import Executor
from qtkeras_worker.scope import Scope

FORMATS = [codec.JSON, codec.MSGPACK]
REF_NAME = re.compile(r"[A-Za-z][a-z0-9]{24}")


def test_trailing_expression_is_the_result_and_the_scope_is_shared(worker):
    assert worker.run("1 + 2") == 3
    assert worker.run("shared_x = 20") is None
    assert worker.run("shared_x += 1\nshared_x * 2") == 42
    assert worker.run("def twice(v):\n    return 2 * v\n") is None
    assert worker.run("twice(shared_x)") == 42
    assert worker.run("print('not a value')") is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8", "bool"])
def test_array_bindings_arrive_intact(worker, fmt, dtype):
    rng = np.random.default_rng(7)
    shapes = [(), (0,), (5,), (3, 4), (2, 0, 3), (4, 3, 2)]
    arrays = [np.asarray(rng.random(shape) * 200 - 50).astype(dtype) for shape in shapes]
    bindings = {f"arr{i}": codec.encode(a) for i, a in enumerate(arrays)}
    code = (
        "import hashlib\n"
        f"[(str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest())"
        f" for a in ({', '.join(bindings)},)]"
    )
    got = worker.run(code, bindings=bindings, fmt=fmt, lifetime="command")
    expected = [
        (str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()) for a in arrays
    ]
    assert got == expected


def test_array_binding_written_by_hand_in_json(worker):
    data = base64.b64encode(np.array([1.5, 2.5, -4.0], "<f4").tobytes()).decode()
    tree = {"$qk": "ndarray", "dtype": "float32", "shape": [3], "data": data}
    assert worker.run("float(v.sum()), v.dtype.name", bindings={"v": tree}) == (0.0, "float32")


def test_array_results_come_back_as_arrays(worker):
    got = worker.run("import numpy as np\nnp.arange(12, dtype='>i4').reshape(3, 4)[:, ::2]")
    np.testing.assert_array_equal(got, np.arange(12).reshape(3, 4)[:, ::2])
    assert got.dtype == np.dtype("<i4")
    assert worker.run("np.float32(1.5), np.int64(-3), np.bool_(True)") == (1.5, -3, True)


def test_large_array_round_trip(worker):
    big = np.random.default_rng(1).random(1_000_000)  # 8 MB
    got = worker.run("big * 2", bindings={"big": codec.encode(big)}, fmt=codec.MSGPACK)
    np.testing.assert_array_equal(got, big * 2)


def test_command_lifetime_deletes_bindings_even_on_failure(worker):
    assert worker.run("lt_a + 1", bindings={"lt_a": 1}, lifetime="command") == 2
    assert worker.run("'lt_a' in globals()") is False
    body = worker.fail("lt_b / 0", bindings={"lt_b": 1}, lifetime="command")
    assert worker.decide(body["id"], "ignore")[0] == 200
    assert worker.run("'lt_b' in globals()") is False
    assert worker.run("lt_c", bindings={"lt_c": [1, 2]}) == [1, 2]
    assert worker.run("lt_c") == [1, 2]


def test_error_report_has_type_message_traceback_and_line(worker):
    code = "before = 1\ndef inner():\n    raise ValueError('bad thing')\ninner()\nafter = 2"
    body = worker.fail(code)
    error = body["error"]
    assert error["type"] == "ValueError"
    assert error["message"] == "bad thing"
    assert error["lineno"] == 3
    assert error["line"] == "raise ValueError('bad thing')"
    assert error["code"] == code
    assert f'File "<command {body["id"]}>", line 4, in <module>' in error["traceback"]
    assert error["traceback"].rstrip().endswith("ValueError: bad thing")
    assert "qtkeras_worker" not in error["traceback"]
    assert body["queued"] == 0
    worker.decide(body["id"], "ignore")
    assert worker.run("before, 'after' in globals()") == (1, False)


def test_error_report_is_plain_text_without_terminal_codes(worker):
    # Keras writes some messages for a terminal: bold, colours, a hyperlink.
    code = (
        "raise ValueError('\\x1b[1mbold\\x1b[0m, \\x1b[38;5;196mred\\x1b[39m, '\n"
        "                 '\\x1b]8;;https://keras.io\\x07link\\x1b]8;;\\x07')"
    )
    body = worker.fail(code)
    error = body["error"]
    assert error["message"] == "bold, red, link"
    assert error["traceback"].rstrip().endswith("ValueError: bold, red, link")
    assert "\x1b" not in error["traceback"]
    worker.decide(body["id"], "ignore")


def test_error_type_is_qualified_outside_builtins(worker):
    body = worker.fail("import json\njson.loads('{')")
    assert body["error"]["type"] == "json.decoder.JSONDecodeError"
    assert body["error"]["lineno"] == 2
    worker.decide(body["id"], "ignore")


def test_syntax_error_reports_its_line(worker):
    body = worker.fail("ok = 1\nx = (1 +\n")
    assert body["error"]["type"] == "SyntaxError"
    assert body["error"]["lineno"] == 2
    assert body["error"]["line"] == "x = (1 +"
    worker.decide(body["id"], "ignore")


def _batch(*codes):
    ids = [new_id() for _ in codes]
    return ids, [{"id": i, "code": c} for i, c in zip(ids, codes, strict=True)]


def test_failure_pauses_the_queue_until_ignore(worker):
    ids, commands = _batch("1 / 0", "ign_b = 'b'\nign_b", "'c'")
    answer = worker.submit_many(commands)
    assert [a["id"] for a in answer["accepted"]] == ids
    assert [a["position"] for a in answer["accepted"]] == [0, 1, 2]
    body = worker.outcome(ids[0])[1]
    assert body["queued"] == 2
    # The queue paused before the error was sent: the status says so from then on.
    status = worker.request("GET", "/status")[1]
    assert status["state"] == "paused"
    assert status["paused_on"] == ids[0]
    assert status["queued"] == ids[1:]
    assert worker.recorder.events("started", ids[1]) == []
    assert worker.decide(ids[0], "ignore") == (
        200,
        {"id": ids[0], "decision": "ignore", "dropped": []},
    )
    assert worker.result(ids[1]) == "b"
    assert worker.result(ids[2]) == "c"
    assert [e["state"] for e in worker.recorder.events("settled", ids[0])] == ["ignored"]
    for command_id in ids:
        assert len(worker.recorder.outcomes(command_id)) == 1


def test_replace_runs_the_replacement_under_the_same_id(worker):
    ids, commands = _batch("undefined_name", "'next'")
    worker.submit_many(commands)
    assert worker.outcome(ids[0])[0] == "error"
    status, answer = worker.decide(
        ids[0], "replace", code="print('again')\nrep_v * 2", bindings={"rep_v": 21}
    )
    assert status == 200
    assert answer == {"id": ids[0], "decision": "replace", "dropped": []}
    assert worker.result(ids[0], index=1) == 42
    assert worker.result(ids[1]) == "next"
    assert [e["state"] for e in worker.recorder.events("settled", ids[0])] == ["replaced"]
    # started twice: the failed run and the replacement (it prints, so it reports its start)
    assert len(worker.recorder.events("started", ids[0])) == 2


def test_a_failing_replacement_pauses_again(worker):
    ids, commands = _batch("1 / 0", "'after'")
    worker.submit_many(commands)
    worker.outcome(ids[0])
    worker.decide(ids[0], "replace", code="[][1]")
    kind, body = worker.outcome(ids[0], index=1)
    assert kind == "error"
    assert body["error"]["type"] == "IndexError"
    assert body["queued"] == 1
    assert worker.request("GET", "/status")[1]["paused_on"] == ids[0]
    worker.decide(ids[0], "ignore")
    assert worker.result(ids[1]) == "after"
    assert len(worker.recorder.outcomes(ids[0])) == 2


def test_drop_settles_every_queued_command_as_dropped(worker, tmp_path):
    marker = tmp_path / "ran"
    ids, commands = _batch("1 / 0", f"open({str(marker)!r}, 'w').close()", "'c'")
    worker.submit_many(commands)
    worker.outcome(ids[0])
    late = worker.submit("'late'")  # arrives while paused: queued
    status, answer = worker.decide(ids[0], "drop")
    assert status == 200
    assert answer["dropped"] == [*ids[1:], late]
    for command_id in [*ids[1:], late]:
        assert worker.wait_event("settled", command_id)["state"] == "dropped"
    assert worker.run("'fresh'") == "fresh"
    for command_id in [*ids[1:], late]:
        assert len(worker.recorder.events("settled", command_id)) == 1
        assert worker.recorder.events("started", command_id) == []
        assert worker.recorder.outcomes(command_id) == []
    assert worker.recorder.events("settled", ids[0]) == []
    assert not marker.exists()


def test_decision_for_another_command_is_a_conflict(worker):
    assert worker.decide("nobody", "ignore")[0] == 409
    body = worker.fail("1 / 0")
    assert worker.decide("someone-else", "drop")[0] == 409
    assert worker.decide(body["id"], "replace")[0] == 400  # no code
    first = worker.decide(body["id"], "ignore")
    assert first[0] == 200
    # The same decision again (a request sent again after a lost connection) is answered as
    # the first; another decision about a decided command is a conflict.
    assert worker.decide(body["id"], "ignore") == first
    assert worker.decide(body["id"], "drop")[0] == 409


@pytest.mark.parametrize(
    "code,line",
    [
        ("print('in')\nwhile True: pass", "while True: pass"),
        ("import time\nprint('in')\ntime.sleep(100)", "time.sleep(100)"),
    ],
)
def test_interrupt_stops_a_running_command_within_a_second(worker, code, line):
    pid = worker.request("GET", "/health")[1]["pid"]
    command_id = worker.submit(code)
    # Its output says it is past the print, on the line the interrupt is to stop.
    worker.wait_event("output", command_id)
    assert worker.request("POST", "/interrupt", {"id": "not-it"})[1] == {"interrupted": None}
    start = time.monotonic()
    assert worker.request("POST", "/interrupt", {"id": command_id})[1] == {
        "interrupted": command_id
    }
    kind, body = worker.outcome(command_id, timeout=5)
    assert time.monotonic() - start < 1.0
    assert kind == "error"
    assert body["error"]["type"] == "KeyboardInterrupt"
    assert body["error"]["line"] == line
    worker.decide(command_id, "ignore")
    assert worker.run("'alive'") == "alive"
    assert worker.request("GET", "/health")[1]["pid"] == pid


def test_interrupt_with_nothing_running_does_nothing(worker):
    assert worker.request("POST", "/interrupt", {})[1] == {"interrupted": None}
    assert worker.run("'fine'") == "fine"


def test_interrupts_racing_with_the_end_of_a_command_never_hit_the_next(worker):
    rng = np.random.default_rng(3)
    for _ in range(15):
        # Its `started` event is posted once it has run for 20 ms (executor.STARTED_DELAY).
        command_id = worker.submit("import time\ntime.sleep(0.1)")
        worker.wait_event("started", command_id)
        time.sleep(float(rng.uniform(0.0, 0.12)))  # a random moment near the command's end
        worker.request("POST", "/interrupt", {})
        kind, body = worker.outcome(command_id)
        if kind == "error":
            assert body["error"]["type"] == "KeyboardInterrupt"
            worker.decide(command_id, "ignore")
        for _ in range(3):
            assert worker.run("'unharmed'") == "unharmed"


@pytest.mark.parametrize(
    "code,kind",
    [
        ("import sys\nsys.exit(3)", "SystemExit"),
        ("exit()", "SystemExit"),
        ("quit()", "SystemExit"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    ],
)
def test_exit_and_keyboard_interrupt_are_ordinary_errors(worker, code, kind):
    pid = worker.request("GET", "/health")[1]["pid"]
    worker.run("survivor = 'still here'")
    body = worker.fail(code)
    assert body["error"]["type"] == kind
    if code.endswith("exit(3)"):
        assert body["error"]["message"] == "3"
    worker.decide(body["id"], "ignore")
    assert worker.run("survivor") == "still here"
    assert worker.request("GET", "/health")[1]["pid"] == pid
    assert worker.proc.poll() is None
    body = worker.fail("input()")  # stdin stays an empty stream, even after exit()
    assert body["error"]["type"] == "EOFError"
    worker.decide(body["id"], "ignore")


def _output(worker, command_id):
    events = worker.recorder.events("output", command_id)
    text = {"stdout": "", "stderr": ""}
    for e in events:
        text[e["stream"]] += e.get("text", "")
    return events, text


def test_output_is_captured_per_stream_and_coalesced(worker):
    code = (
        "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nfor i in range(2000): print(i)"
    )
    command_id = worker.submit(code)
    worker.result(command_id)
    events, text = _output(worker, command_id)
    assert text["stderr"] == "oops\n"
    assert text["stdout"] == "hello\n" + "".join(f"{i}\n" for i in range(2000))
    assert len(events) < 50
    # output comes between started and the result
    entries = worker.recorder.snapshot()
    positions = [
        n
        for n, (k, p) in enumerate(entries)
        if p.get("id") == command_id and (k != "event" or p["kind"] in ("started", "output"))
    ]
    kinds = [
        entries[n][0] if entries[n][0] != "event" else entries[n][1]["kind"] for n in positions
    ]
    assert kinds[0] == "started" and kinds[-1] == "result"


def test_output_beyond_the_cap_is_dropped_with_one_notice(worker):
    code = "line = 'x' * 1023 + '\\n'\nfor _ in range(1500): print(line, end='')\n'done'"
    command_id = worker.submit(code)
    assert worker.result(command_id) == "done"
    events, text = _output(worker, command_id)
    assert len(text["stdout"]) == 1024 * 1024
    notices = [e for e in events if e.get("truncated")]
    assert notices == [{"kind": "output", "id": command_id, "stream": "stdout", "truncated": True}]
    assert events[-1] == notices[0]


def test_non_plain_results_are_refs_that_can_be_passed_back_and_released(worker):
    ref = worker.run("(i * i for i in range(4))")
    assert isinstance(ref, Ref)
    assert REF_NAME.fullmatch(ref["name"])
    assert ref["type"] == "generator"
    assert ref["repr"].startswith("<generator object")
    names = [v["name"] for v in worker.request("GET", "/variables")[1]["variables"]]
    assert ref["name"] in names
    passed = {"$qk": "ref", "name": ref["name"]}
    assert worker.run("list(g)", bindings={"g": passed}, lifetime="command") == [0, 1, 4, 9]
    worker.submit_many([], release=[ref["name"]])
    assert worker.run(f"{ref['name']!r} in globals()") is False
    names = [v["name"] for v in worker.request("GET", "/variables")[1]["variables"]]
    assert ref["name"] not in names


def test_a_release_comes_after_the_commands_of_its_request(worker):
    # The client lets a name go while a command that uses it waits to be sent: both travel in
    # one request, and the command still finds the name.
    ref = worker.run("[1, 2, 3]", result="ref")
    command_id = new_id()
    worker.submit_many([{"id": command_id, "code": f"sum({ref['name']})"}], release=[ref["name"]])
    assert worker.result(command_id) == 6
    assert worker.run(f"{ref['name']!r} in globals()") is False


def test_result_modes(worker):
    ref = worker.run("5", result="ref")
    assert isinstance(ref, Ref) and ref["type"] == "int" and ref["repr"] == "5"
    assert worker.run(f"{ref['name']} + 1") == 6
    assert worker.run("[1, 2]", result="none") is None
    ref = worker.run(
        "class Weird:\n    def __repr__(self):\n        raise RuntimeError('no')\nWeird()"
    )
    assert ref["type"] == "__main__.Weird"
    assert ref["repr"].startswith("<") and "Weird" in ref["repr"]
    long = worker.run("class Long:\n    def __repr__(self):\n        return 'y' * 10000\nLong()")
    assert len(long["repr"]) <= 200


def test_ref_to_a_missing_variable_fails_the_command(worker):
    body = worker.fail("v", bindings={"v": {"$qk": "ref", "name": "no_such_variable"}})
    assert body["error"]["type"] == "NameError"
    worker.decide(body["id"], "ignore")


def test_variables_delete_runs_at_its_place_in_the_queue(worker):
    worker.run("to_delete = 1\nto_keep = 2")
    command_id = worker.submit("import time\ntime.sleep(0.3)\nto_delete")
    status, body = worker.request("POST", "/variables/delete", {"names": ["to_delete"]})
    assert (status, body) == (200, {"deleted": ["to_delete"]})
    assert worker.result(command_id) == 1  # deleted only after the command before it
    assert worker.run("'to_delete' in globals(), to_keep") == (False, 2)
    listed = {v["name"]: v for v in worker.request("GET", "/variables")[1]["variables"]}
    assert listed["to_keep"] == {"name": "to_keep", "type": "int", "repr": "2"}
    assert "np" not in listed  # modules are not listed
    assert not any(n.startswith("__") for n in listed)


def test_a_deletion_with_nothing_queued_is_done_before_its_answer():
    # No main loop runs here: the deletion cannot wait for one.
    scope = Scope()
    scope.namespace["gone"], scope.namespace["kept"] = 1, 2
    executor = Executor(scope, notifier=None, router=None, log=print)
    assert executor.delete_later(["gone"]) == 0
    assert "gone" not in scope.namespace
    assert [v["name"] for v in scope.variables()] == ["kept"]


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


SPECIAL_VALUES = [
    float("nan"),
    float("inf"),
    -float("inf"),
    10**30,
    -(10**30),
    2**63 - 1,
    -(2**63),
    2**64,
    "unicode: Grüße, 日本語, 🙂",
    b"\x00\xffbinary",
    (1, (2, 3), []),
    {"a": [1, {"b": None, "c": (True, False)}], "d": {}},
    {1: "int key", (1, 2): "tuple key", None: "none"},
    {"$qk": "a user key", "x": 1},
    [0.1, -0.0, 1e308, 5e-324],
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", SPECIAL_VALUES, ids=lambda v: type(v).__name__)
def test_special_values_round_trip_both_ways(worker, fmt, value):
    got = worker.run("v", bindings={"v": codec.encode(value)}, fmt=fmt, lifetime="command")
    assert _same(got, value)


def test_non_finite_floats_travel_tagged_not_as_bare_nan(worker):
    command_id = worker.submit("float('nan'), float('inf'), -float('inf')")
    got = worker.result(command_id)
    assert math.isnan(got[0]) and got[1:] == (math.inf, -math.inf)
    raw = [data for path, _, data in worker.notify.raw if command_id.encode() in data]
    assert raw and all(b"NaN" not in d and b"Infinity" not in d for d in raw)
    assert b'{"$qk":"float","v":"nan"}' in b"".join(raw)


def test_huge_int_gives_a_value_or_a_ref_without_hanging(worker):
    got = worker.run("10**5000", timeout=10)
    assert got == 10**5000 or (isinstance(got, Ref) and got["type"] == "int")
    assert worker.run("10**30") == 10**30


@pytest.mark.parametrize("fmt", FORMATS)
def test_csr_matrices_round_trip(worker, fmt):
    matrix = sparse.random(6, 5, density=0.4, format="csr", random_state=2, dtype=np.float64)
    got = worker.run("m * 2", bindings={"m": codec.encode(matrix)}, fmt=fmt)
    assert sparse.issparse(got)
    np.testing.assert_array_equal(got.toarray(), matrix.toarray() * 2)


def test_jax_arrays_come_back_as_ndarrays(worker):
    got = worker.run("import jax.numpy as jnp\njnp.arange(6, dtype=jnp.float32).reshape(2, 3)")
    np.testing.assert_array_equal(got, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_cycles_and_deep_nesting_become_refs(worker):
    assert isinstance(worker.run("cyc = [1]\ncyc.append(cyc)\ncyc"), Ref)
    assert isinstance(worker.run("deep = []\nfor _ in range(400): deep = [deep]\ndeep"), Ref)


def test_thousand_pipelined_commands_settle_once_in_order(worker):
    ids = [new_id("p") for _ in range(1000)]
    for n, command_id in enumerate(ids[:500]):
        worker.submit(f"{n} * 2", command_id=command_id)
    worker.submit_many([{"id": i, "code": f"{n + 500} * 2"} for n, i in enumerate(ids[500:])])
    worker.result(ids[-1], timeout=60)
    wanted = set(ids)
    order = [p["id"] for k, p in worker.recorder.snapshot() if k == "result" and p["id"] in wanted]
    assert order == ids
    values = {p["id"]: p["value"] for k, p in worker.recorder.snapshot() if k == "result"}
    assert [values[i] for i in ids] == [2 * n for n in range(1000)]
    assert Counter(order).most_common(1)[0][1] == 1


@pytest.mark.parametrize(
    "body,fragment",
    [
        ({"id": "", "code": "1"}, "non-empty"),
        ({"id": "x1", "code": 1}, "code"),
        ({"id": "x2", "code": "1", "lifetime": "forever"}, "lifetime"),
        ({"id": "x3", "code": "1", "result": "all"}, "result"),
        ({"id": "x4", "code": "1", "bindings": {"not an identifier": 1}}, "identifier"),
        (
            {
                "id": "x5",
                "code": "1",
                "bindings": {
                    "v": {"$qk": "ndarray", "dtype": "complex64", "shape": [1], "data": ""}
                },
            },
            "dtype",
        ),
        (
            {
                "id": "x6",
                "code": "1",
                "bindings": {
                    "v": {"$qk": "ndarray", "dtype": "int32", "shape": [3], "data": "AAAA"}
                },
            },
            "bytes",
        ),
        ({"id": "x7", "code": "1", "colour": "red"}, "unknown"),
        ({"commands": [{"id": "x8", "code": "1"}, {"id": "x8", "code": "2"}]}, "already"),
        ({"id": "x9", "code": "1", "bindings": {"v": {"$qk": "mystery"}}}, "tag"),
    ],
)
def test_invalid_commands_are_refused_and_nothing_runs(worker, body, fragment):
    status, answer = worker.request("POST", "/commands", body)
    assert status in (400, 409)
    assert fragment in answer["error"]
    assert worker.request("GET", "/status")[1]["queued"] == []


def test_too_deep_or_malformed_bodies_are_400(worker):
    deep = {"id": new_id(), "code": "1", "bindings": {"v": 0}}
    for _ in range(300):
        deep["bindings"]["v"] = [deep["bindings"]["v"]]
    for fmt in FORMATS:
        status, answer = worker.request("POST", "/commands", deep, fmt)
        assert status == 400 and "deep" in answer["error"]
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=10)
    for data in (b"{not json", b'{"id": "n1", "code": "NaN", "bindings": {"v": NaN}}'):
        conn.request(
            "POST",
            "/commands",
            body=data,
            headers={"Authorization": f"Bearer {worker.token}", "Content-Type": codec.JSON},
        )
        response = conn.getresponse()
        assert response.status == 400, response.read()
        response.read()
    conn.close()
    assert worker.run("'still serving'") == "still serving"


def test_status_and_health(worker, tmp_path):
    gate = tmp_path / "gate"
    command_id = worker.submit(held(gate, "'released'"))
    worker.wait_event("started", command_id)
    queued = worker.submit("'queued'")
    status = worker.request("GET", "/status")[1]
    assert status["state"] == "running"
    assert status["running"] == command_id
    assert status["queued"] == [queued]
    gate.touch()
    worker.result(queued)
    health = worker.request("GET", "/health")[1]
    assert health["status"] == "ok"
    assert health["pid"] == worker.proc.pid
    assert health["backend"] == "jax"
    assert set(health) == {
        "status", "pid", "python", "keras", "backend", "keras_ready", "last",
        "run", "lease", "attached",
    }  # fmt: skip
    assert (health["run"], health["lease"], health["attached"]) == (None, 0, True)
    assert health["last"] >= 2  # the seq of the newest notification (started, result, ...)


def test_http_threads_answer_while_the_executor_is_busy(worker, tmp_path):
    gate = tmp_path / "gate"
    command_id = worker.submit(held(gate, "'released'"))
    worker.wait_event("started", command_id)
    results = []

    def ask():
        results.append(worker.request("GET", "/variables")[0])

    # The command runs until the gate opens: every answer comes while it is busy.
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == [200] * 4
    assert worker.recorder.outcomes(command_id) == []
    gate.touch()
    assert worker.result(command_id) == "released"


def test_long_poll_returns_numbered_messages_before_its_wait_ends(worker):
    last = worker.request("GET", "/notifications?since=0&wait=0")[1]["last"]
    command_id = worker.submit("import time\ntime.sleep(0.3)\n'polled'")
    start = time.monotonic()
    seen = []
    since = last
    while not any(m["path"] == "/notify" for m in seen):
        body = worker.request("GET", f"/notifications?since={since}&wait=5")[1]
        seen += body["messages"]
        since = body["last"]
    assert time.monotonic() - start < 5
    assert [m["seq"] for m in seen] == list(range(last + 1, last + 1 + len(seen)))
    # Each body is the one the message has when posted alone, seq included.
    started = seen[0]["body"]["events"][0]
    assert seen[0]["body"] == {
        "seq": seen[0]["seq"],
        "events": [{"kind": "started", "id": command_id, "seconds": started["seconds"]}],
    }
    assert 0.02 <= started["seconds"] < 0.3  # held back for executor.STARTED_DELAY
    assert seen[-1]["body"]["results"][0]["value"] == "polled"
    assert worker.request("GET", "/notifications?since=x")[0] == 400


def test_accepted_command_runs_when_its_client_leaves_before_the_202(worker):
    # The executor is woken once the 202 is written, and also when writing it fails.
    command_id = new_id()
    body = json.dumps({"id": command_id, "code": "6 * 7"}).encode()
    head = (
        f"POST /commands HTTP/1.1\r\nHost: 127.0.0.1:{worker.port}\r\n"
        f"Authorization: Bearer {worker.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", worker.port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(head + body)
    assert worker.result(command_id) == 42
