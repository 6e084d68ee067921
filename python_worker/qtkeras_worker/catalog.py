# SPDX-License-Identifier: GPL-3.0-or-later
"""The Keras catalog: every public class and function of keras.layers, optimizers, losses,
metrics, activations, initializers, regularizers, callbacks, constraints, learning-rate
schedules (keras.optimizers.schedules) and applications, with its parameters, defaults,
kinds and one-line docs, as plain data for the IDE's palette and property editor.

``catalog()`` computes it once per process (it imports Keras) and returns the cached result;
the C++ side loads it with ``qk.catalog()`` (``qtkeras_worker.model_support``). Nothing
here is hand-listed per class: categories come from Keras' own module paths, accepted value
types from defaults, annotations and the documented argument text.
"""

from __future__ import annotations

import functools
import inspect
import re
import time
from typing import Any

from . import codec

# Each group and the module whose public classes and functions it lists.
MODULES = {
    "layers": "keras.layers",
    "optimizers": "keras.optimizers",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "activations": "keras.activations",
    "initializers": "keras.initializers",
    "regularizers": "keras.regularizers",
    "callbacks": "keras.callbacks",
    "constraints": "keras.constraints",
    "schedules": "keras.optimizers.schedules",
    "applications": "keras.applications",
}
GROUPS = tuple(MODULES)

# The registry helpers every group exports next to its items; they are not items themselves.
_REGISTRY_HELPERS = frozenset({"get", "serialize", "deserialize"})

# keras.src.layers.<package> -> palette category; a package not named here is "other".
_LAYER_CATEGORIES = {
    "core": "core",
    "convolutional": "convolution",
    "pooling": "pooling",
    "rnn": "recurrent",
    "normalization": "normalization",
    "regularization": "regularization",
    "reshaping": "reshaping",
    "merging": "merging",
    "attention": "attention",
    "preprocessing": "preprocessing",
    "activations": "activation",
}

_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword-only",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}

_DOC_LIMIT = 240

# Words in an argument's documentation that name the Python types it accepts. Words for
# anything richer (a callable, an instance, a tensor...) make the argument accept any value.
_TYPE_WORDS = (
    (re.compile(r"\b(int|ints|integer|integers)\b"), "int"),
    (re.compile(r"\b(float|floats)\b"), "float"),
    (re.compile(r"\b(bool|boolean|booleans)\b"), "bool"),
    (re.compile(r"\b(str|string|strings)\b"), "str"),
    (re.compile(r"\b(tuple|tuples|list|lists|sequence|sequences|iterable)\b"), "sequence"),
    (re.compile(r"\b(dict|dicts|dictionary|mapping)\b"), "dict"),
    (re.compile(r"\bnone\b"), "none"),
)
_ANY_WORDS = re.compile(
    r"\b(callable|callables|function|functions|instance|instances|object|objects|tensor|tensors|"
    r"array|arrays|initializer|regularizer|constraint|optimizer|schedule|policy|dtype|class)\b"
)
_POSITIVE = re.compile(r"^(a |an )?(strictly )?positive (int|integer|float|number)\b")
_UNIT_INTERVAL = re.compile(r"^(a |an )?float between 0 and 1\b")


def catalog() -> dict[str, Any]:
    """The catalog as plain data (cached; do not modify the returned value)."""
    return _build()


@functools.cache
def _build() -> dict[str, Any]:
    import keras

    started = time.perf_counter()

    layer_root = keras.layers.Layer
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    # Bases whose __init__ takes **kwargs only to refuse unknown names: a subclass that
    # forwards its **kwargs there accepts exactly the base's optional parameters.
    closed_roots = {"layers": layer_root, "optimizers": BaseOptimizer}

    entries = []
    for group in GROUPS:
        module = keras
        for part in MODULES[group].split(".")[1:]:
            module = getattr(module, part)
        items = {
            name: obj
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and name not in _REGISTRY_HELPERS
            and not inspect.ismodule(obj)
            and callable(obj)
        }
        names_of: dict[int, list[str]] = {}
        for name, obj in items.items():
            names_of.setdefault(id(obj), []).append(name)
        for name in sorted(items, key=str.lower):
            obj = items[name]
            canonical = _canonical(obj, names_of[id(obj)])
            entries.append(
                _entry(group, name, obj, canonical, names_of[id(obj)], closed_roots.get(group))
            )
    counts = {group: sum(e["group"] == group for e in entries) for group in GROUPS}
    return {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "groups": list(GROUPS),
        "counts": counts,
        "entries": entries,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _canonical(obj: Any, names: list[str]) -> str:
    """The name Keras itself gives an object exported under several names."""
    own = getattr(obj, "__name__", None)
    if own in names:
        return str(own)
    return sorted(names)[0]


def _entry(
    group: str, name: str, obj: Any, canonical: str, names: list[str], closed_root: type | None
) -> dict[str, Any]:
    is_class = inspect.isclass(obj)
    docs = _argument_docs(obj)
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        signature = None
    parameters = []
    open_keywords = True
    open_positionals = False
    if signature is not None:
        own = [_parameter(p, docs.get(p.name, ""), inherited=False) for p in _params(signature)]
        declared = {p["name"] for p in own}
        var_keyword = any(p["kind"] == "var-keyword" for p in own)
        open_keywords = var_keyword
        open_positionals = any(p["kind"] == "var-positional" for p in own)
        inherited = []
        if var_keyword and is_class and closed_root is not None and issubclass(obj, closed_root):
            root_docs = _argument_docs(closed_root)
            for p in _params(inspect.signature(closed_root.__init__))[1:]:  # type: ignore[misc]
                if p.name in declared or p.default is inspect.Parameter.empty:
                    continue
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                inherited.append(_parameter(p, root_docs.get(p.name, ""), inherited=True))
            open_keywords = False
        # Inherited keywords go before **kwargs, which stays listed as the signature has it.
        tail = [p for p in own if p["kind"] == "var-keyword"]
        parameters = [p for p in own if p["kind"] != "var-keyword"] + inherited + tail
    source_module = getattr(obj, "__module__", "") or ""
    entry = {
        "group": group,
        "name": name,
        "module": MODULES[group],
        "kind": "class" if is_class else "function",
        "category": _category(group, source_module),
        "doc": _summary(obj),
        "source": source_module,
        "canonical": canonical,
        "aliases": sorted(n for n in names if n != name),
        "parameters": parameters,
        "open_keywords": open_keywords,
        "open_positionals": open_positionals,
        "signature_known": signature is not None,
    }
    return entry


def _params(signature: inspect.Signature) -> list[inspect.Parameter]:
    return list(signature.parameters.values())


def _parameter(p: inspect.Parameter, doc: str, inherited: bool) -> dict[str, Any]:
    required = p.default is inspect.Parameter.empty and p.kind not in (
        p.VAR_POSITIONAL,
        p.VAR_KEYWORD,
    )
    has_default = p.default is not inspect.Parameter.empty
    default, default_repr, plain = None, None, True
    if has_default:
        default_repr = _short_repr(p.default)
        try:
            codec.encode(p.default)
            default = p.default
        except codec.NotPlainData:
            plain = False
    annotation = None
    if p.annotation is not inspect.Parameter.empty:
        annotation = (
            p.annotation
            if isinstance(p.annotation, str)
            else inspect.formatannotation(p.annotation)
        )
    types = _accepted_types(p, annotation, doc)
    lowered = doc.lower()
    constraint = None
    if _POSITIVE.match(lowered):
        constraint = "positive"
    elif _UNIT_INTERVAL.match(lowered):
        constraint = "unit-interval"
    return {
        "name": p.name,
        "kind": _KINDS[p.kind],
        "required": required,
        "has_default": has_default,
        "default": default,
        "default_plain": plain,
        "default_repr": default_repr,
        "annotation": annotation,
        "types": types,
        "constraint": constraint,
        "doc": doc or _undocumented(default_repr, required),
        "inherited": inherited,
    }


def _undocumented(default_repr: str | None, required: bool) -> str:
    if required:
        return "Required; Keras' documentation does not describe it."
    if default_repr is not None:
        return f"Keras' documentation does not describe it; defaults to {default_repr}."
    return "Keras' documentation does not describe it."


def _accepted_types(p: inspect.Parameter, annotation: str | None, doc: str) -> list[str]:
    """The value types an argument accepts, as far as can be told: an empty list means any.

    Evidence, strongest first: a plain annotation; then the default's type widened by the
    types its documentation names. A None default or a non-plain one accepts anything, as
    does documentation that mentions callables, instances, tensors and the like.
    """
    if annotation in ("int", "float", "bool", "str"):
        return ["int", "float"] if annotation == "float" else [annotation]
    if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
        return []
    default = p.default
    if default is not inspect.Parameter.empty and default is None:
        return []
    text = doc.lower()
    if _ANY_WORDS.search(text):
        return []
    named = {kind for pattern, kind in _TYPE_WORDS if pattern.search(text)}
    if default is inspect.Parameter.empty:
        base: set[str] = set()
    elif type(default) is bool:
        base = {"bool"}
    elif type(default) is int:
        # Keras writes 0 for float quantities too; without documented types allow both.
        base = {"int"} if named else {"int", "float"}
    elif type(default) is float:
        base = {"float"}
    elif type(default) is str:
        base = {"str"}
    elif isinstance(default, (tuple, list)):
        base = {"sequence"}
    elif isinstance(default, dict):
        base = {"dict"}
    else:
        return []
    if default is inspect.Parameter.empty and not named:
        return []
    kinds = base | named
    if "float" in kinds:
        kinds.add("int")
    order = ("bool", "int", "float", "str", "sequence", "dict", "none")
    return [k for k in order if k in kinds]


def _category(group: str, source_module: str) -> str:
    parts = source_module.split(".")
    if group == "applications":
        # The family: resnet, mobilenet_v2, efficientnet...
        return (
            parts[3] if parts[:3] == ["keras", "src", "applications"] and len(parts) > 3 else group
        )
    if group != "layers":
        return group
    if parts[:3] == ["keras", "src", "layers"] and len(parts) > 3:
        return _LAYER_CATEGORIES.get(parts[3], "other")
    return "other"


def _summary(obj: Any) -> str:
    # A class's own docstring, or its documented twin's: never a base class's (InputLayer
    # has none of its own, and Layer's would say it is "the class from which all layers
    # inherit").
    doc = _own_doc(obj) or _own_doc(_twin(obj))
    for line in inspect.cleandoc(doc).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _own_doc(obj: Any) -> str:
    if obj is None:
        return ""
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
        return doc if isinstance(doc, str) else ""
    return inspect.getdoc(obj) or ""


def _twin(obj: Any) -> Any:
    """The function Keras documents a class through: keras.Input for InputLayer."""
    if inspect.isclass(obj) and obj.__name__ == "InputLayer":
        import keras

        return keras.Input
    return None


# Arguments of Keras' base classes that no docstring of Keras describes.
_BASE_ARGUMENTS = {
    "autocast": "Boolean, whether the layer casts its floating-point inputs to its compute "
    "dtype (mixed precision). Defaults to True.",
    "activity_regularizer": "Regularizer function applied to the output of the layer (its "
    "activation), added to the model's loss.",
    "kwargs": "Further keyword arguments, passed on to the base class (for a layer: name, "
    "dtype, trainable and the like).",
    "input_tensor": "Optional existing tensor to wrap into the layer instead of creating a "
    "new placeholder.",
}


_ARGS_HEADER = re.compile(r"^(\s*)(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^(\s*)\**([A-Za-z_]\w*)(\s*\([^)]*\))?:\s?(.*)$")


def _argument_docs(obj: Any) -> dict[str, str]:
    """Argument name -> its documentation in one line, from the Args section of the
    docstring of the class (or of its __init__) or function, else of the base classes that
    take the argument on; a class's documented twin comes before its bases."""
    docs: dict[str, str] = {}
    sources: list[Any] = [obj]
    if inspect.isclass(obj):
        for kind in obj.__mro__:
            if kind is object:
                continue
            sources.append(kind)
            if "__init__" in vars(kind):
                sources.append(vars(kind)["__init__"])
            if kind is obj:
                sources.append(_twin(obj))
    for source in sources:
        for name, text in _parse_args(_own_doc(source)).items():
            docs.setdefault(name, text)
    for name, text in _BASE_ARGUMENTS.items():
        docs.setdefault(name, text)
    return docs


def _parse_args(doc: str) -> dict[str, str]:
    result: dict[str, str] = {}
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        header = _ARGS_HEADER.match(lines[i])
        i += 1
        if not header:
            continue
        outer = len(header.group(1))
        indent = None
        current = None
        while i < len(lines):
            line = lines[i]
            if line.strip():
                depth = len(line) - len(line.lstrip())
                if depth <= outer:
                    break
                match = _ARG_LINE.match(line)
                if match and (indent is None or depth == indent):
                    indent = depth
                    current = match.group(2)
                    result[current] = match.group(4).strip()
                elif current is not None:
                    result[current] = (result[current] + " " + line.strip()).strip()
            i += 1
    return {name: _clip(text) for name, text in result.items()}


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DOC_LIMIT else text[: _DOC_LIMIT - 1].rstrip() + "…"


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any repr may fail; the catalog must not
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 200 else text[:199] + "…"
