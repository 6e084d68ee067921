"""The notifier's sender: a backlog of alternating paths is pipelined on one connection."""

import pytest
from helpers import Worker, new_id


@pytest.mark.parametrize("close_each", [False, True], ids=["keep-alive", "close-each"])
def test_a_backlog_arrives_once_and_in_order(close_each):
    # 300 quick commands alternate `started` events and results, one request each.
    w = Worker(close_each=close_each)
    try:
        ids = [new_id() for _ in range(300)]
        w.submit_many([{"id": i, "code": f"{n} * 2"} for n, i in enumerate(ids)])
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
