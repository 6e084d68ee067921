# SPDX-License-Identifier: GPL-3.0-or-later
"""Completions of a console line from the user scope, answered while a command may run.

Nothing user-defined runs to answer: names are looked up statically
(``inspect.getattr_static``), so a property or ``__getattr__`` of a model that is training is
never called, and a dotted path stops at the first value that only code could produce.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import re
import types
from typing import Any

MAX_TEXT = 2000  # characters of the line before the cursor that are looked at
MAX_MATCHES = 200

# The dotted name that ends the text: "model.lay" in "print(model.lay".
_TAIL = re.compile(r"(?:[^\W\d]\w*\.)*[^\W\d]?\w*\Z")
_MISSING = object()


def _kind(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, type):
        return "class"
    if isinstance(value, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
        return "property"
    if callable(value) or isinstance(value, (staticmethod, classmethod)):
        return "function"
    return "variable"


def _static(obj: Any, name: str) -> Any:
    """``obj.name`` when it needs no code to run: a module's or an instance's own entry, or a
    class attribute that is not a descriptor computing a value; else _MISSING."""
    try:
        value = inspect.getattr_static(obj, name)
    except AttributeError:
        return _MISSING
    if isinstance(value, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
        return _MISSING
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    return value


def _attributes(obj: Any) -> dict[str, Any]:
    """Attribute names of obj with what they hold statically (the class's, the instance's)."""
    names: dict[str, Any] = {}
    kinds = type(obj).__mro__ if not isinstance(obj, type) else obj.__mro__
    for kind in reversed(kinds):
        names.update(vars(kind))
    own = getattr(obj, "__dict__", None) if not isinstance(obj, type) else None
    if isinstance(own, dict):
        names.update(own)
    if isinstance(obj, types.ModuleType):
        names = dict(vars(obj))
    return names


def complete(namespace: dict[str, Any], text: str) -> dict[str, Any]:
    """The completions of the dotted name at the end of ``text``: ``start`` is the offset in
    text where the completed word (``prefix``) begins; each match has its ``name`` and
    ``kind`` (variable, function, class, module, property or keyword)."""
    cut = max(0, len(text) - MAX_TEXT)
    text = text[cut:]
    offset = 0
    tail = _TAIL.search(text)
    word = tail.group(0) if tail else ""
    base = len(text) - len(word)
    nothing = {"start": cut + len(text), "prefix": "", "matches": []}
    if text[:base].endswith("."):  # an attribute of an expression: "x[0].sh", "3.1"
        return nothing
    *path, prefix = word.split(".")
    candidates: dict[str, Any]
    if not path:
        candidates = {k: None for k in keyword.kwlist}
        candidates.update(vars(builtins))
        candidates.update(dict(namespace))  # a snapshot: a command may be running
        candidates.pop("__builtins__", None)
    else:
        obj = dict(namespace).get(path[0], _MISSING)
        if obj is _MISSING:
            obj = vars(builtins).get(path[0], _MISSING)
        for name in path[1:]:
            if obj is _MISSING:
                break
            obj = _static(obj, name)
        if obj is _MISSING:
            return nothing
        candidates = _attributes(obj)
        offset = len(word) - len(prefix)
    private = prefix.startswith("_")
    matches = []
    for name in sorted(candidates, key=lambda n: (n.startswith("_"), n.lower())):
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        if not private and name.startswith("_"):
            continue
        value = candidates[name]
        kind = "keyword" if value is None and keyword.iskeyword(name) else _kind(value)
        matches.append({"name": name, "kind": kind})
        if len(matches) == MAX_MATCHES:
            break
    return {"start": cut + base + offset, "prefix": prefix, "matches": matches}
