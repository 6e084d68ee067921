# SPDX-License-Identifier: GPL-3.0-or-later
"""Large results announced in /notify and downloaded with GET /results (--fetch-results-over)."""

import http.client
import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import TOKEN, Ref, Worker, new_id, value_of

from qtkeras_worker import codec

THRESHOLD = 100_000


@pytest.fixture(scope="module")
def fetching():
    w = Worker(args=("--fetch-results-over", str(THRESHOLD)))
    w.run("import numpy as np")
    yield w
    w.close()


def download(worker: Worker, query: str, token: str = TOKEN) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=30)
    try:
        conn.request("GET", f"/results{query}", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def release(worker: Worker, seqs: list, token: str = TOKEN) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=30)
    try:
        conn.request(
            "POST",
            "/results/release",
            body=json.dumps({"seq": seqs}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def announced(worker: Worker, code: str) -> dict:
    command_id = worker.submit(code)
    kind, item = worker.outcome(command_id)
    assert kind == "result", item
    return item


def test_a_large_result_is_announced_downloaded_and_released(fetching):
    item = announced(fetching, "import numpy as np\nnp.arange(50_000, dtype=np.float32)")
    assert "value" not in item
    assert set(item) == {"id", "fetch", "seconds"}
    seq, size = item["fetch"]["seq"], item["fetch"]["bytes"]
    assert size > 200_000

    status, headers, body = download(fetching, f"?seq={seq}")
    assert status == 200
    assert headers["Content-Type"] == codec.MSGPACK
    assert int(headers["Content-Length"]) == size == len(body)
    result = codec.loads(body, codec.MSGPACK)
    assert result["id"] == item["id"]
    assert result["seconds"] == item["seconds"]
    np.testing.assert_array_equal(value_of(result["value"]), np.arange(50_000, dtype=np.float32))

    # A download can be repeated (one cut short is asked for again) until it is released.
    status, _, again = download(fetching, f"?seq={seq}")
    assert (status, again) == (200, body)
    assert release(fetching, [seq, seq + 10_000]) == (200, {"released": [seq]})
    status, _, body = download(fetching, f"?seq={seq}")
    assert status == 404
    assert b"released already" in body


def test_small_results_and_results_without_arrays_are_posted_whole(fetching):
    assert fetching.run("np.arange(10, dtype=np.float32).sum().item()") == 45.0
    big_list = fetching.run("list(range(30_000))")  # large, but no binary data
    assert big_list == list(range(30_000))
    small = fetching.run("np.arange(1000, dtype=np.float32)")
    np.testing.assert_array_equal(small, np.arange(1000, dtype=np.float32))


def test_announcements_keep_their_place_between_other_notifications(fetching):
    first, second, third = new_id(), new_id(), new_id()
    fetching.submit_many(
        [
            {"id": first, "code": "np.ones(100_000, dtype=np.float32)"},
            {"id": second, "code": "2 + 2"},
            {"id": third, "code": "np.zeros((400, 400))"},
        ]
    )
    fetching.outcome(third)
    order = [
        payload["id"]
        for kind, payload in fetching.recorder.snapshot()
        if kind == "result" and payload["id"] in (first, second, third)
    ]
    assert order == [first, second, third]
    assert "fetch" in fetching.outcome(first)[1]
    assert fetching.outcome(second)[1]["value"] == 4
    third_seq = fetching.outcome(third)[1]["fetch"]["seq"]
    status, _, body = download(fetching, f"?seq={third_seq}")
    assert status == 200
    np.testing.assert_array_equal(
        value_of(codec.loads(body, codec.MSGPACK)["value"]), np.zeros((400, 400))
    )


def test_the_notifications_ring_keeps_the_whole_value(fetching):
    item = announced(fetching, "np.full(60_000, 7, dtype=np.int32)")
    seq = item["fetch"]["seq"]
    status, answer = fetching.request("GET", f"/notifications?since={seq - 1}")
    assert status == 200
    message = answer["messages"][0]
    assert message["seq"] == seq and message["path"] == "/notify"
    value = value_of(message["body"]["results"][0]["value"])
    np.testing.assert_array_equal(value, np.full(60_000, 7, dtype=np.int32))


@pytest.mark.parametrize(
    ("query", "status"), [("", 400), ("?seq=x", 400), ("?seq=999999", 404), ("?seq=-1", 404)]
)
def test_bad_or_unknown_downloads_are_refused(fetching, query, status):
    got, _, body = download(fetching, query)
    assert got == status
    assert b"error" in body


def test_downloads_need_the_token(fetching):
    item = announced(fetching, "np.ones(70_000, dtype=np.float32)")
    seq = item["fetch"]["seq"]
    status, _, _ = download(fetching, f"?seq={seq}", token="x" * 40)
    assert status == 401
    status, _, _ = download(fetching, f"?seq={seq}")
    assert status == 200


def test_without_the_option_large_results_are_posted_whole(worker):
    value = worker.run("import numpy as np\nnp.arange(100_000, dtype=np.float32)")
    np.testing.assert_array_equal(value, np.arange(100_000, dtype=np.float32))


def test_a_negative_threshold_is_refused():
    out = subprocess.run(
        [sys.executable, "-m", "qtkeras_worker", "--fetch-results-over", "-1"],
        input=(TOKEN + "\n").encode(),
        capture_output=True,
        timeout=30,
    )
    assert out.returncode != 0
    assert out.stdout == b""
    assert b"--fetch-results-over must not be negative" in out.stderr


def test_results_beyond_what_a_message_holds_come_back_as_refs():
    # The cap is MessagePack's 4 GiB per binary value; lowered here (--max-result-bytes), as
    # 4 GiB is too much for a test.
    w = Worker(args=("--fetch-results-over", str(THRESHOLD), "--max-result-bytes", "500000"))
    try:
        w.run("import numpy as np")
        big = w.run("np.ones(200_000, dtype=np.float32)")
        assert isinstance(big, Ref)
        assert big["type"] == "numpy.ndarray"
        assert w.run(f"float({big['name']}.sum())") == 200_000.0
        small = w.run("np.ones(10_000, dtype=np.float32)")
        np.testing.assert_array_equal(small, np.ones(10_000, dtype=np.float32))
    finally:
        w.close()


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_a_result_too_large_to_carry_becomes_a_ref_without_a_copy():
    # N bytes that become a ref cost N, not 2 N: the size decision comes before any copy.
    # Scaled down: 1 GiB against a cap lowered to 64 MiB (the default cap is 4 GiB).
    cap, size = 64 * 2**20, 2**30
    w = Worker(args=("--max-result-bytes", str(cap)))
    try:
        w.wait_event("keras-ready", timeout=60)  # Keras is imported in the background
        w.run("import numpy as np")
        pid = w.proc.pid
        before = _status_kib(pid, "VmRSS")
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")  # the peak (VmHWM) starts again from now
        big = w.run(f"np.ones({size // 8}, dtype=np.float64)")
        assert isinstance(big, Ref)
        peak = _status_kib(pid, "VmHWM")
        grew = (peak - before) * 1024
        assert grew <= size + 64 * 2**20, f"peak grew by {grew / 2**20:.0f} MiB"
        assert w.run(f"float({big['name']}.sum())") == size // 8
    finally:
        w.close()


def _blob_array(blob_id: str, n: int) -> dict:
    return {
        codec.TAG: "ndarray",
        "dtype": "float32",
        "shape": [n],
        "data": {codec.TAG: "blob", "id": blob_id, "bytes": 4 * n},
    }


def test_staged_bindings_are_pulled_from_the_client(worker):
    # A large binding stays with the client; the worker fetches it before it accepts the
    # command, into an aligned read-only buffer, and the command sees the array.
    data = np.arange(300_000, dtype=np.float32)
    worker.notify.blobs["7"] = data.tobytes()
    command = {
        "id": new_id(),
        "code": "(float(x.sum()), x.flags.writeable, x.ctypes.data % 64)",
        "bindings": {"x": _blob_array("7", data.size)},
    }
    status, body = worker.request("POST", "/commands", {"commands": [command]})
    assert status == 202, body
    assert worker.result(command["id"]) == (float(data.sum()), False, 0)
    assert worker.notify.blob_gets == 1


@pytest.mark.parametrize(
    "blob,status",
    [({"id": "missing", "bytes": 40}, 502), ({"id": "7", "bytes": 41}, 502), ({"id": 7}, 400)],
    ids=["unknown", "wrong size", "malformed"],
)
def test_staged_bindings_that_cannot_be_had_refuse_the_command(worker, blob, status):
    worker.notify.blobs["7"] = bytes(40)
    command_id = new_id()
    binding = {codec.TAG: "bytes", "v": {codec.TAG: "blob", **blob}}
    answer = worker.request(
        "POST", "/commands", {"id": command_id, "code": "1", "bindings": {"b": binding}}
    )
    assert answer[0] == status, answer
    assert command_id not in worker.request("GET", "/status")[1]["queued"]
