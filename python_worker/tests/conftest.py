# SPDX-License-Identifier: GPL-3.0-or-later
import os

# Keras in the test process uses the worker's default backend (it would pick TensorFlow).
os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest
from helpers import Worker
from hypothesis import settings

settings.register_profile("worker", database=None, deadline=None, max_examples=150)
settings.load_profile("worker")


@pytest.fixture(scope="session")
def worker():
    """One real worker with a notification server, shared by the tests that don't conflict."""
    w = Worker()
    yield w
    w.close()


@pytest.fixture(autouse=True)
def _queue_left_running(request):
    """Fails a test that leaves the shared worker's queue paused (and resumes it)."""
    yield
    if "worker" not in request.fixturenames:
        return
    w = request.getfixturevalue("worker")
    body = w.request("GET", "/status")[1]
    if body["paused_on"] is not None:
        w.decide(body["paused_on"], "drop")
        pytest.fail(f"the test left the queue paused on {body['paused_on']}")
