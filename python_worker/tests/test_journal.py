# SPDX-License-Identifier: GPL-3.0-or-later
"""The notification journal beyond memory: messages a client has not acknowledged go to disk
and come back, in order and whole, through GET /notifications."""

import os

import numpy as np
import pytest
from helpers import Worker, new_id

from qtkeras_worker import codec, notifier
from qtkeras_worker.journal import DiskJournal
from qtkeras_worker.notifier import EVENTS, NOTIFY, Notifier


def _quiet(message: str) -> None:
    pass


def test_disk_journal_reads_from_any_seq_and_forgets_what_is_acknowledged(tmp_path):
    journal = DiskJournal(str(tmp_path / "j"), max_bytes=1 << 30, segment_bytes=2000)
    for seq in range(1, 201):
        journal.append(seq, EVENTS, {"seq": seq, "events": [{"kind": "tick", "n": seq}]})
    assert len(journal) == 200
    segments = os.listdir(tmp_path / "j")
    assert len(segments) > 5  # small segments: the messages span many files
    got = journal.read(57, max_messages=1000, max_bytes=1 << 30)
    assert [m["seq"] for m in got] == list(range(58, 201))
    assert got[0]["body"]["events"][0]["n"] == 58
    assert [m["seq"] for m in journal.read(0, 10, 1 << 30)] == list(range(1, 11))
    journal.forget_through(120)
    assert journal.first is not None and 100 < journal.first <= 121
    assert len(os.listdir(tmp_path / "j")) < len(segments)
    assert [m["seq"] for m in journal.read(120, 1000, 1 << 30)] == list(range(121, 201))
    journal.close()
    assert os.listdir(tmp_path / "j") == []


def test_disk_journal_drops_its_oldest_segments_beyond_its_cap(tmp_path):
    journal = DiskJournal(str(tmp_path / "j"), max_bytes=10_000, segment_bytes=2000)
    for seq in range(1, 501):
        journal.append(seq, EVENTS, {"seq": seq, "events": [{"kind": "tick", "n": seq}]})
    assert journal.bytes <= 10_000 + 2000
    assert journal.dropped_through == journal.first - 1 > 0
    assert [m["seq"] for m in journal.read(0, 1000, 1 << 30)][-1] == 500
    journal.close()


def test_unacknowledged_messages_beyond_memory_come_back_from_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(notifier, "ANSWER_MESSAGES", 70)
    journal = DiskJournal(str(tmp_path / "j"), max_bytes=1 << 30, segment_bytes=4096)
    n = Notifier(None, "t" * 32, _quiet, ring_size=20, journal=journal)
    array = np.arange(1000, dtype=np.float32)
    for i in range(300):
        if i % 50 == 0:
            item = {"id": f"c{i}", "value": codec.encode(array + i), "seconds": 0.0}
            n.post(NOTIFY, item, binary=True, nbytes=array.nbytes)
        else:
            n.event("tick", n=i)
    assert len(n._ring) <= 20  # memory holds the newest; the rest is on disk
    assert len(journal) >= 280
    seen, since = [], 0
    while True:
        answer = n.since(since, 0)
        assert answer["missed"] == 0
        assert len(answer["messages"]) <= 70
        if not answer["messages"]:
            break
        seen += answer["messages"]
        since = answer["messages"][-1]["seq"]
    assert [m["seq"] for m in seen] == list(range(1, 301))
    for message in seen[::50]:
        result = message["body"]["results"][0]
        i = int(result["id"][1:])
        np.testing.assert_array_equal(codec.decode(result["value"]), array + i)
    # Asking from 300 acknowledged everything: the files are gone.
    n.since(300, 0)
    assert os.listdir(tmp_path / "j") == []
    journal.close()


def test_without_a_journal_and_a_notify_url_the_memory_is_a_plain_ring():
    n = Notifier(None, "t" * 32, _quiet, ring_size=20)
    for i in range(100):
        n.event("tick", n=i)
    answer = n.since(0, 0)
    assert answer["missed"] == 80
    assert [m["seq"] for m in answer["messages"]] == list(range(81, 101))


def test_a_worker_without_a_client_keeps_its_history_on_disk_and_replays_it(tmp_path):
    """A client away for longer than memory holds (here 30 messages): every result of 200
    commands comes back from the journal, in order, and the journal's files go once read."""
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    w = Worker(notify=False, args=("--run-dir", str(run), "--journal-memory", "30"), poll=False)
    try:
        ids = [w.submit(f"{i} * 3", command_id=new_id("j")) for i in range(200)]
        # The last result is in the journal once the worker reports its seq.
        while True:
            health = w.request("GET", "/health")[1]
            if health["last"] >= 400:  # a started event and a result per command
                break
        assert len(os.listdir(run / "journal")) >= 1
        w.start_polling()
        for i, command_id in enumerate(ids):
            assert w.result(command_id) == i * 3
        assert [e["id"] for e in w.recorder.events("started")] == ids
        assert not any(kind == "gap" for kind, _ in w.recorder.snapshot())
        # Acknowledged: nothing is left on disk.
        w.request("GET", f"/notifications?since={w.recorder.applied}")
        assert os.listdir(run / "journal") == []
    finally:
        w.close()
    assert not run.exists()  # the worker removes its run directory when it exits


@pytest.mark.parametrize("flag", ["--journal-memory", "--journal-bytes"])
def test_journal_sizes_must_be_positive(tmp_path, flag):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "qtkeras_worker", flag, "0"],
        input=b"x" * 40 + b"\n",
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert b"must be positive" in out.stderr
