# SPDX-License-Identifier: GPL-3.0-or-later
"""The user scope: the one namespace every command runs in, its variables and fresh names."""

from __future__ import annotations

import builtins
import keyword
import reprlib
import secrets
import string
import types
from typing import Any

NAME_LENGTH = 25
_FIRST = string.ascii_letters
_REST = string.ascii_lowercase + string.digits

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200
_repr.maxlong = 200
_repr.maxlevel = 3


def type_name(obj: Any) -> str:
    """The type's qualified name, prefixed by its module unless it is a builtin."""
    kind = obj if isinstance(obj, type) else type(obj)
    module = getattr(kind, "__module__", None)
    name = getattr(kind, "__qualname__", kind.__name__)
    if module in (None, "builtins"):
        return name
    return f"{module}.{name}"


def safe_repr(obj: Any, limit: int = 200) -> str:
    """A short repr that never raises (a failing __repr__ gives a placeholder)."""
    try:
        text = _repr.repr(obj)
    except BaseException:  # noqa: BLE001 - user __repr__ may raise anything
        return f"<{type_name(obj)} object (repr failed)>"
    if not isinstance(text, str):
        return f"<{type_name(obj)} object>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def is_identifier(name: Any) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


class Scope:
    """The shared namespace of user code; the worker's own machinery never lives in it."""

    def __init__(self) -> None:
        # A module of its own, so that sys.modules["__main__"] can be it (pickle finds
        # classes defined by user code there).
        self.module = types.ModuleType("__main__")
        self.namespace: dict[str, Any] = self.module.__dict__
        self.namespace["__builtins__"] = builtins

    def fresh_name(self) -> str:
        """A new 25-character variable name: a letter, then lowercase letters and digits."""
        while True:
            name = secrets.choice(_FIRST) + "".join(
                secrets.choice(_REST) for _ in range(NAME_LENGTH - 1)
            )
            if name not in self.namespace:
                return name

    def store(self, value: Any) -> dict[str, str]:
        """Keeps ``value`` under a fresh name and returns its ref fields."""
        name = self.fresh_name()
        self.namespace[name] = value
        return {"name": name, "type": type_name(value), "repr": safe_repr(value)}

    def lookup(self, name: str) -> Any:
        try:
            return self.namespace[name]
        except KeyError:
            raise NameError(f"name {name!r} is not defined in the worker") from None

    def bind(self, values: dict[str, Any]) -> None:
        self.namespace.update(values)

    def delete(self, names: list[str]) -> list[str]:
        """Deletes the names that exist and returns them."""
        deleted = []
        for name in names:
            if self.namespace.pop(name, _MISSING) is not _MISSING:
                deleted.append(name)
        return deleted

    def variables(self) -> list[dict[str, str]]:
        """The user's variables (no dunder names, no modules), sorted by name."""
        items = list(self.namespace.items())  # a snapshot: the executor may be running
        out = []
        for name, value in sorted(items, key=lambda item: str(item[0])):
            if not isinstance(name, str) or (name.startswith("__") and name.endswith("__")):
                continue
            if isinstance(value, types.ModuleType):
                continue
            out.append({"name": name, "type": type_name(value), "repr": safe_repr(value)})
        return out


_MISSING = object()
