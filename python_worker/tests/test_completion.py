# SPDX-License-Identifier: GPL-3.0-or-later
"""GET /completions: the console's tab completion from the worker's scope."""

from __future__ import annotations

import urllib.parse

from helpers import held

from qtkeras_worker.completion import MAX_TEXT, complete


def _ask(worker, text):
    status, body = worker.request("GET", "/completions?text=" + urllib.parse.quote(text, safe=""))
    assert status == 200, body
    return body["start"], [m["name"] for m in body["matches"]], body["matches"]


def test_names_from_the_scope_builtins_and_keywords(worker):
    worker.run("learning_rate = 0.01\nlearner = 'x'\n_hidden = 1")
    start, names, matches = _ask(worker, "print(lea")
    assert start == len("print(")
    assert worker.request("GET", "/completions?text=print%28lea")[1]["prefix"] == "lea"
    assert names == ["learner", "learning_rate"]
    assert {m["kind"] for m in matches} == {"variable"}
    assert _ask(worker, "isinst")[1] == ["isinstance"]
    assert "while" in _ask(worker, "whi")[1]
    assert _ask(worker, "_hid")[1] == ["_hidden"]  # private names only when asked for


def test_attributes_of_a_model_without_running_its_code(worker):
    worker.run(
        "import keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
        "class Trap:\n"
        "    @property\n"
        "    def boom(self):\n"
        "        raise SystemExit('a property ran')\n"
        "    def __getattr__(self, name):\n"
        "        raise SystemExit('__getattr__ ran')\n"
        "trap = Trap()"
    )
    start, names, matches = _ask(worker, "model.fi")
    assert start == len("model.")
    assert names == ["fit"]
    assert matches[0]["kind"] == "function"
    assert "layers" in _ask(worker, "model.lay")[1]
    assert "Dense" in _ask(worker, "keras.layers.Den")[1]
    # A property is offered, never evaluated, and nothing is offered behind it.
    assert _ask(worker, "trap.bo")[1] == ["boom"]
    assert _ask(worker, "trap.boom.")[1] == []
    assert _ask(worker, "trap.missing.x")[1] == []
    assert worker.run("trap.__class__.__name__") == "Trap"  # the worker is alive


def test_expressions_and_unknown_names_give_nothing(worker):
    worker.run("values = [1, 2]")
    assert _ask(worker, "values[0].re")[1] == []
    assert _ask(worker, "3.1")[1] == []
    assert _ask(worker, "nothing_here.a")[1] == []
    start, names, _ = _ask(worker, "")
    assert start == 0 and "values" in names


def test_answers_while_a_command_runs(worker, tmp_path):
    gate = tmp_path / "gate"
    worker.run("busy_value = 1")
    command_id = worker.submit(held(gate, "'done'"))
    worker.wait_event("started", command_id)
    assert _ask(worker, "busy_")[1] == ["busy_value"]
    gate.touch()
    assert worker.result(command_id) == "done"


def test_a_long_line_is_completed_at_its_end():
    text = "x = " + "1 + " * MAX_TEXT + "pri"
    answer = complete({}, text)
    assert answer["start"] == len(text) - len("pri")
    assert [m["name"] for m in answer["matches"]] == ["print"]
