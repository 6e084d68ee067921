# SPDX-License-Identifier: GPL-3.0-or-later
"""The notifier's sender: a backlog of alternating paths is pipelined on one connection; the
executor writes a result itself when nothing else waits to be sent, and a lost connection
loses nothing. A command's `started` event is held back: a quick command reports only its
result, one that prints or runs on reports its start first."""

import pytest
from helpers import Worker, new_id


@pytest.mark.parametrize("close_each", [False, True], ids=["keep-alive", "close-each"])
def test_a_backlog_arrives_once_and_in_order(close_each):
    # 300 commands that print alternate events (started, output) and results, one request
    # each.
    w = Worker(close_each=close_each)
    try:
        ids = [new_id() for _ in range(300)]
        w.submit_many([{"id": i, "code": f"print({n})\n{n} * 2"} for n, i in enumerate(ids)])
        assert w.result(ids[-1]) == 2 * (len(ids) - 1)
        entries = [
            (kind, payload["id"])
            for kind, payload in w.recorder.snapshot()
            if payload.get("id") in ids and (kind == "result" or payload["kind"] == "started")
        ]
        assert entries == [(k, i) for i in ids for k in ("event", "result")]
        assert [w.result(i) for i in ids] == [2 * n for n in range(len(ids))]
        if not close_each:
            assert w.notify.connections == 1
    finally:
        w.close()


def test_one_command_at_a_time_arrives_in_order_on_one_connection(worker):
    # The executor writes the result itself; the answers are read later. Printing posts the
    # command's `started` event before its output.
    ids = [new_id() for _ in range(200)]
    worker.run("None")  # the notification connection is open
    connections = worker.notify.connections
    for n, command_id in enumerate(ids):
        worker.submit(f"print({n})\n{n} + 1", command_id)
        assert worker.result(command_id) == n + 1
    entries = [
        (kind, payload["id"])
        for kind, payload in worker.recorder.snapshot()
        if payload.get("id") in ids and (kind == "result" or payload["kind"] == "started")
    ]
    assert entries == [(k, i) for i in ids for k in ("event", "result")]
    assert worker.notify.connections == connections


def test_requests_lost_with_their_connection_are_sent_again_in_order():
    # Every 7th request the notification server drops the connection unanswered, whether the
    # request was written by the sender thread or by the executor.
    w = Worker(cut_every=7)
    try:
        ids = [new_id() for _ in range(60)]
        for n, command_id in enumerate(ids[:30]):
            w.submit(f"print({n})\n{n} * 3", command_id)
            assert w.result(command_id) == 3 * n
        w.submit_many(
            [{"id": i, "code": f"print({n})\n{n + 30} * 3"} for n, i in enumerate(ids[30:])]
        )
        assert w.result(ids[-1]) == 3 * 59
        entries = [
            (kind, payload["id"])
            for kind, payload in w.recorder.snapshot()
            if payload.get("id") in ids and (kind == "result" or payload["kind"] == "started")
        ]
        # A request answered just before its connection broke may arrive twice (its answer
        # was lost with the connection): its seq makes the second one a repeat. None is lost,
        # none is applied twice, and they are applied in order.
        assert entries == [(k, i) for i in ids for k in ("event", "result")]
        assert not [e for e in w.recorder.snapshot() if e[0] in ("gap", "unsequenced")]
        assert w.notify.cut >= 10
    finally:
        w.close()


def test_a_large_result_and_the_small_ones_after_it_arrive_in_order(worker):
    # A large body is left to the sender thread, the small ones after it queue behind it.
    first, *rest = [new_id() for _ in range(5)]
    worker.submit("list(range(200_000))", first)
    for n, command_id in enumerate(rest):
        worker.submit(f"{n} - 1", command_id)
    assert [worker.result(i) for i in rest] == [n - 1 for n in range(len(rest))]
    assert worker.result(first) == list(range(200_000))
    results = [p["id"] for kind, p in worker.recorder.snapshot() if kind == "result"]
    assert [i for i in results if i in (first, *rest)] == [first, *rest]


def test_a_quick_command_reports_only_its_result(worker):
    # No `started` event, and no seq is spent on one: the results follow each other.
    ids = [new_id() for _ in range(50)]
    worker.submit_many([{"id": i, "code": f"{n} - 1"} for n, i in enumerate(ids)])
    assert [worker.result(i) for i in ids] == [n - 1 for n in range(len(ids))]
    assert [e for e in worker.recorder.events("started") if e["id"] in ids] == []
    assert not [e for e in worker.recorder.snapshot() if e[0] in ("gap", "unsequenced")]


def test_a_command_that_runs_on_reports_its_start_while_it_runs(worker):
    command_id = worker.submit("import time\ntime.sleep(2)\n'slept'")
    worker.wait_event("started", command_id)
    assert worker.recorder.outcomes(command_id) == []  # still running
    assert worker.result(command_id) == "slept"
    kinds = [
        k if k != "event" else p["kind"]
        for k, p in worker.recorder.snapshot()
        if p.get("id") == command_id
    ]
    assert kinds == ["started", "result"]


def test_a_failing_command_reports_its_start_before_its_error(worker):
    failed = worker.fail("1 / 0")["id"]
    kinds = [
        k if k != "event" else p["kind"]
        for k, p in worker.recorder.snapshot()
        if p.get("id") == failed
    ]
    assert kinds == ["started", "error"]
    worker.decide(failed, "ignore")
