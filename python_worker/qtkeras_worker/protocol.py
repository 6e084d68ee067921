# SPDX-License-Identifier: GPL-3.0-or-later
"""Requests of docs/PROTOCOL.md: validation and a dispatch table from (method, path) to the
``do_*`` functions that hold the logic. Every failure becomes an error answer."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import codec, completion, keras_support
from .executor import Command, Conflict, Executor
from .notifier import Notifier
from .scope import Scope, is_identifier

LIFETIMES = ("eternal", "command")
RESULTS = ("value", "ref", "none")
DECISIONS = ("ignore", "replace", "drop")
MAX_WAIT = 60.0  # longest long-poll of GET /notifications, in seconds


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a parsed wire tree for POST, None for GET
    # What to do once the answer is written (and also when writing it failed).
    after: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class Services:
    executor: Executor
    scope: Scope
    notifier: Notifier
    keras: keras_support.KerasLoader
    # Ends the worker (and its process group) once the answer to POST /shutdown is out.
    shutdown: Callable[[], None] | None = None
    # What GET /health adds about the worker's life: its run directory's name, its lease.
    life: Callable[[], dict[str, Any]] | None = None


@dataclass
class RawBody:
    """An answer body that is already encoded, as buffers to write in turn (not copied);
    ``sent`` runs once all of it has been written."""

    content_type: str
    parts: list[Any]
    sent: Callable[[], None] | None = None


Reply = tuple[int, Any]
Handler = Callable[[Services, Request], Reply]


# ---------------------------------------------------------------- validation


def _object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HttpError(400, f"{what} must be an object")
    return body


def _names(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(is_identifier(n) for n in value):
        raise HttpError(400, f"{what} must be a list of Python identifiers")
    return value


def _bindings(
    value: Any, blobs: dict[str, memoryview] | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Checks the bindings; returns them with their decoded values (None if they hold refs,
    which are resolved only when the command runs)."""
    if not isinstance(value, dict):
        raise HttpError(400, "bindings must be an object of name -> value")
    decoder = codec.Decoder(blobs=blobs)
    decoded = {}
    for name, tree in value.items():
        if not is_identifier(name):
            raise HttpError(400, f"binding name {name!r} is not a Python identifier")
        try:
            decoded[name] = decoder.decode(tree)
        except codec.DecodeError as exc:
            raise HttpError(400, f"binding {name!r}: {exc}") from None
    return value, (None if decoder.has_refs else decoded)


_COMMAND_KEYS = {"id", "code", "bindings", "lifetime", "result"}


def parse_command(body: Any, blobs: dict[str, memoryview] | None = None) -> Command:
    body = _object(body, "a command")
    unknown = set(body) - _COMMAND_KEYS
    if unknown:
        raise HttpError(400, f"unknown command field(s): {', '.join(sorted(map(str, unknown)))}")
    command_id = body.get("id")
    if not isinstance(command_id, str) or not command_id:
        raise HttpError(400, "command id must be a non-empty string")
    code = body.get("code")
    if not isinstance(code, str):
        raise HttpError(400, f"command {command_id!r}: code must be a string")
    lifetime = body.get("lifetime", "eternal")
    if lifetime not in LIFETIMES:
        raise HttpError(400, f"command {command_id!r}: lifetime must be one of {LIFETIMES}")
    result = body.get("result", "value")
    if result not in RESULTS:
        raise HttpError(400, f"command {command_id!r}: result must be one of {RESULTS}")
    bindings, decoded = _bindings(body.get("bindings", {}), blobs)
    return Command(command_id, code, bindings, lifetime, result, decoded, blobs or None)


def _fetch_blobs(services: Services, body: Any) -> dict[str, memoryview]:
    """Fetches the binary data the client staged for these bindings (docs/PROTOCOL.md,
    "Large bindings")."""
    try:
        refs = codec.blob_refs(body)
    except codec.DecodeError as exc:
        raise HttpError(400, str(exc)) from None
    if not refs:
        return {}
    try:
        return services.notifier.fetch_blobs(refs)
    except (OSError, ValueError) as exc:
        raise HttpError(502, f"cannot fetch the bindings' data from the client: {exc}") from None


# ---------------------------------------------------------------- handlers


def do_commands(services: Services, request: Request) -> Reply:
    body = _object(request.body, "the body")
    if "commands" in body or "release" in body:
        unknown = set(body) - {"commands", "release"}
        if unknown:
            raise HttpError(400, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        commands = body.get("commands", [])
        if not isinstance(commands, list):
            raise HttpError(400, "commands must be a list")
        blobs = _fetch_blobs(services, commands)
        parsed = [parse_command(c, blobs) for c in commands]
        release = _names(body.get("release", []), "release")
    else:
        parsed, release = [parse_command(body, _fetch_blobs(services, body))], []
    # The executor starts once the 202 is out: woken now, the main thread would take the
    # interpreter back and forth with this one while the answer is written.
    accepted = services.executor.submit(parsed, release, wake=False)
    request.after.append(services.executor.wake)
    return 202, accepted


def do_decisions(services: Services, request: Request) -> Reply:
    body = _object(request.body, "a decision")
    command_id, decision = body.get("id"), body.get("decision")
    if not isinstance(command_id, str) or not command_id:
        raise HttpError(400, "decision id must be a non-empty string")
    if decision not in DECISIONS:
        raise HttpError(400, f"decision must be one of {DECISIONS}")
    replacement = None
    if decision == "replace":
        if not isinstance(body.get("code"), str):
            raise HttpError(400, "a replace decision needs code (a string)")
        fields = {k: body[k] for k in ("bindings", "lifetime", "result") if k in body}
        replacement = parse_command({"id": command_id, "code": body["code"], **fields})
        # Missing lifetime and result ("") are taken from the failed command.
        replacement.lifetime = body.get("lifetime", "")
        replacement.result = body.get("result", "")
    dropped = services.executor.decide(command_id, decision, replacement)
    return 200, {"id": command_id, "decision": decision, "dropped": dropped}


def do_interrupt(services: Services, request: Request) -> Reply:
    body = _object(request.body, "the body")
    command_id = body.get("id")
    if command_id is not None and not isinstance(command_id, str):
        raise HttpError(400, "id must be a string")
    return 200, {"interrupted": services.executor.interrupt(command_id)}


def do_stop_training(services: Services, request: Request) -> Reply:
    _object(request.body, "the body")
    return 200, {"stopping": services.executor.stop_training()}


def do_status(services: Services, request: Request) -> Reply:
    return 200, {**services.executor.status(), "keras_ready": services.keras.ready.is_set()}


def do_variables(services: Services, request: Request) -> Reply:
    return 200, {"variables": services.scope.variables()}


def do_completions(services: Services, request: Request) -> Reply:
    text = request.query.get("text", "")
    return 200, completion.complete(services.scope.namespace, text)


def do_variables_delete(services: Services, request: Request) -> Reply:
    body = _object(request.body, "the body")
    names = _names(body.get("names"), "names")
    services.executor.delete_later(names)
    return 200, {"deleted": names}


def do_health(services: Services, request: Request) -> Reply:
    return 200, {
        "status": "ok",
        "pid": os.getpid(),
        "python": platform.python_version(),
        "keras": keras_support.keras_version(),
        "backend": keras_support.backend_name(),
        "keras_ready": services.keras.ready.is_set(),
        "last": services.notifier.last_seq,
        **(services.life() if services.life else {}),
    }


def do_shutdown(services: Services, request: Request) -> Reply:
    _object(request.body, "the body")
    if services.shutdown is None:
        raise HttpError(501, "this worker cannot be shut down over HTTP")
    request.after.append(services.shutdown)
    return 200, {"stopping": True}


def do_notifications(services: Services, request: Request) -> Reply:
    try:
        since = int(request.query.get("since", "0"))
        wait = float(request.query.get("wait", "0"))
    except ValueError:
        raise HttpError(400, "since must be an integer and wait a number of seconds") from None
    if since < 0 or not 0 <= wait <= MAX_WAIT:
        raise HttpError(400, f"since must be >= 0 and wait between 0 and {MAX_WAIT:g}")
    return 200, services.notifier.since(since, wait)


def do_results(services: Services, request: Request) -> Reply:
    try:
        seq = int(request.query.get("seq", ""))
    except ValueError:
        raise HttpError(400, "seq must be the integer of a result's announcement") from None
    parts = services.notifier.fetchable(seq)
    if parts is None:
        raise HttpError(404, f"no announced result {seq} to fetch (or it was released already)")
    return 200, RawBody(codec.MSGPACK, parts)


def do_results_release(services: Services, request: Request) -> Reply:
    body = _object(request.body, "the body")
    seqs = body.get("seq")
    if not isinstance(seqs, list) or not all(type(n) is int for n in seqs):
        raise HttpError(400, "seq must be a list of the integers of announced results")
    return 200, {"released": [n for n in seqs if services.notifier.release(n)]}


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/commands"): do_commands,
    ("POST", "/decisions"): do_decisions,
    ("POST", "/interrupt"): do_interrupt,
    ("POST", "/stop-training"): do_stop_training,
    ("GET", "/status"): do_status,
    ("GET", "/variables"): do_variables,
    ("POST", "/variables/delete"): do_variables_delete,
    ("GET", "/completions"): do_completions,
    ("GET", "/health"): do_health,
    ("GET", "/notifications"): do_notifications,
    ("GET", "/results"): do_results,
    ("POST", "/results/release"): do_results_release,
    ("POST", "/shutdown"): do_shutdown,
}

PATHS: dict[str, list[str]] = {}
for _method, _path in ROUTES:
    PATHS.setdefault(_path, []).append(_method)


def dispatch(services: Services, request: Request) -> Reply:
    """Runs the handler of a request; every failure becomes (status, {"error": ...})."""
    handler = ROUTES.get((request.method, request.path))
    if handler is None:
        if request.path in PATHS:
            return 405, {"error": f"{request.method} is not allowed on {request.path}"}
        return 404, {"error": f"no such endpoint: {request.path}"}
    try:
        return handler(services, request)
    except HttpError as exc:
        return exc.status, {"error": exc.message}
    except Conflict as exc:
        return 409, {"error": str(exc)}
    except codec.DecodeError as exc:
        return 400, {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a handler bug must not kill the server
        return 500, {"error": f"internal error: {type(exc).__name__}: {exc}"}
