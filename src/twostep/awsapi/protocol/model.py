"""Typed view of botocore's IAM and STS service models.

twostep answers the same wire protocol that boto3 speaks, so the shapes that drive parsing,
validation and serialisation come from botocore's own ``service-2.json`` files (botocore is a
runtime dependency). botocore is untyped; this module is the only place that touches its model
classes and turns them into plain, typed :class:`Shape` trees.

Per-operation plans built by :mod:`query`, :mod:`validation` and :mod:`xmlwire` are cached on the
:class:`ServiceModel` (see :meth:`ServiceModel.cached`), so each is compiled once per process.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypeVar

import botocore.loaders
import botocore.model

T = TypeVar("T")

ServiceName = Literal["iam", "sts"]


class Shape:
    """One shape *reference* of a service model, with the constraints and wire names it carries.

    ``type`` is the model's type name: structure, list, map, string, integer, long, boolean,
    timestamp, blob, float or double. ``wire_name`` is the reference's ``locationName`` (None when
    the default applies). ``min``/``max`` bound a string's or list's length or a number's value.
    """

    __slots__ = (
        "enum",
        "flattened",
        "key",
        "max",
        "member",
        "members",
        "min",
        "name",
        "pattern",
        "required",
        "sensitive",
        "timestamp_format",
        "type",
        "value",
        "wire_name",
    )

    def __init__(self, name: str, type_: str) -> None:
        self.name = name
        self.type = type_
        self.members: dict[str, Shape] = {}
        self.required: frozenset[str] = frozenset()
        self.member: Shape | None = None
        self.key: Shape | None = None
        self.value: Shape | None = None
        self.min: int | float | None = None
        self.max: int | float | None = None
        self.pattern: str | None = None
        self.enum: tuple[str, ...] = ()
        self.sensitive = False
        self.wire_name: str | None = None
        self.flattened = False
        self.timestamp_format: str | None = None

    def __repr__(self) -> str:
        return f"Shape({self.name!r}, {self.type!r})"

    def walk(self) -> Iterator[Shape]:
        """This shape and every shape under it, depth first (the models have no cycles)."""
        yield self
        for child in (*self.members.values(), self.member, self.key, self.value):
            if child is not None:
                yield from child.walk()


def _convert(bc_shape: Any, depth: int = 0) -> Shape:
    if depth > 64:  # pragma: no cover - IAM and STS have no recursive shapes
        raise ValueError(f"shape nesting too deep at {bc_shape.name}")
    shape = Shape(bc_shape.name, bc_shape.type_name)
    meta: Mapping[str, Any] = bc_shape.metadata
    ser: Mapping[str, Any] = bc_shape.serialization
    shape.min = meta.get("min")
    shape.max = meta.get("max")
    shape.pattern = meta.get("pattern")
    shape.sensitive = bool(meta.get("sensitive", False))
    shape.enum = tuple(getattr(bc_shape, "enum", None) or ())
    shape.wire_name = ser.get("name")
    shape.flattened = bool(ser.get("flattened", False))
    shape.timestamp_format = ser.get("timestampFormat")
    if shape.type == "structure":
        shape.members = {name: _convert(ref, depth + 1) for name, ref in bc_shape.members.items()}
        shape.required = frozenset(bc_shape.required_members)
    elif shape.type == "list":
        shape.member = _convert(bc_shape.member, depth + 1)
    elif shape.type == "map":
        shape.key = _convert(bc_shape.key, depth + 1)
        shape.value = _convert(bc_shape.value, depth + 1)
    return shape


class ServiceModel:
    """A query-protocol AWS service (IAM or STS) as botocore describes it.

    ``xml_namespace`` is the model's ``metadata.xmlNamespace``, the ``xmlns`` of every response;
    ``api_version`` is the ``Version`` a request carries.
    """

    def __init__(self, name: str, bc_model: Any) -> None:
        self._bc = bc_model
        self.name = name
        self.api_version: str = bc_model.api_version
        self.xml_namespace: str = bc_model.metadata["xmlNamespace"]
        self.protocol: str = bc_model.protocol
        self.operation_names: tuple[str, ...] = tuple(bc_model.operation_names)
        self._operations = frozenset(self.operation_names)
        self._errors: dict[str, tuple[int, bool]] = {}
        for err in bc_model.error_shapes:
            info: Mapping[str, Any] = err.metadata.get("error") or {}
            code = info.get("code") or err.name
            self._errors[code] = (int(info.get("httpStatusCode", 400)), bool(info.get("senderFault")))
        self._cache: dict[tuple[str, str], Any] = {}

    def __repr__(self) -> str:
        return f"ServiceModel({self.name!r}, {self.api_version!r})"

    def has_operation(self, action: str) -> bool:
        """Whether ``action`` names an operation (case-sensitive, as AWS matches ``Action``)."""
        return action in self._operations

    def input_shape(self, action: str) -> Shape | None:
        """The operation's input structure, or None when it takes no parameters."""
        return self.cached("input", action, lambda: self._shape(action, "input_shape"))

    def output_shape(self, action: str) -> Shape | None:
        """The operation's output structure, or None when it answers without a Result element."""
        return self.cached("output", action, lambda: self._shape(action, "output_shape"))

    def _shape(self, action: str, which: str) -> Shape | None:
        bc_shape = getattr(self._bc.operation_model(action), which)
        return None if bc_shape is None else _convert(bc_shape)

    def error_info(self, code: str) -> tuple[int, bool] | None:
        """``(httpStatusCode, senderFault)`` of a modelled error code, or None if unmodelled."""
        return self._errors.get(code)

    def error_codes(self) -> tuple[str, ...]:
        """Every error code the model declares."""
        return tuple(self._errors)

    def cached(self, kind: str, action: str, build: Callable[[], T]) -> T:
        """Memoise a per-operation plan; ``build`` runs once per (kind, action)."""
        key = (kind, action)
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._cache[key] = build()
            return value


@functools.cache
def _load(name: str) -> ServiceModel:
    raw = botocore.loaders.Loader().load_service_model(name, "service-2")
    return ServiceModel(name, botocore.model.ServiceModel(raw, service_name=name))


def load_service_model(name: ServiceName) -> ServiceModel:
    """Load (once per process) botocore's latest ``service-2`` model for ``iam`` or ``sts``."""
    return _load(name)


# Model patterns are Java regular expressions (``java.util.regex``); these translate them.
_POSIX = {
    "ASCII": r"\x00-\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Upper": "A-Z",
    "Lower": "a-z",
    "XDigit": "0-9a-fA-F",
    "Space": r" \t\n\x0b\f\r",
    "Punct": r"!-/:-@\[-`{-~",
}


@functools.cache
def _category_runs() -> dict[str, list[tuple[int, int]]]:
    """Code point runs of every Unicode general category (one pass over all code points)."""
    runs: dict[str, list[tuple[int, int]]] = {}
    start, current = 0, unicodedata.category("\0")
    for cp in range(1, 0x110000):
        cat = unicodedata.category(chr(cp))
        if cat != current:
            runs.setdefault(current, []).append((start, cp - 1))
            start, current = cp, cat
    runs.setdefault(current, []).append((start, 0x10FFFF))
    return runs


@functools.cache
def _property_class(name: str) -> str:
    """Body of a Python character class for Java's ``\\p{name}``."""
    if name in _POSIX:
        return _POSIX[name]
    bare = name.removeprefix("Is")
    runs = _category_runs()
    cats = [c for c in runs if c.startswith(bare)] if len(bare) in (1, 2) and bare[0].isupper() else []
    if not cats:
        raise ValueError(f"unsupported character property \\p{{{name}}}")
    merged: list[list[int]] = []
    for lo, hi in sorted(r for c in cats for r in runs[c]):
        if merged and lo == merged[-1][1] + 1:
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in merged)


def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a model pattern (Java ``java.util.regex`` syntax) to an equivalent Python regex.

    ``\\w``, ``\\d`` and ``\\s`` are ASCII-only in Java, hence ``re.ASCII``; ``\\p{L}``-style
    Unicode classes become explicit ranges; ``\\uXXXX`` reads the same in both. Class
    intersections and nested classes (absent from the IAM/STS models) are refused.
    """
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n and pattern[i + 1] in "pP":
            negated = pattern[i + 1] == "P"
            if pattern.startswith("{", i + 2):
                end = pattern.index("}", i)
                name, i = pattern[i + 3 : end], end + 1
            else:
                name, i = pattern[i + 2], i + 3
            body = _property_class(name)
            if in_class and negated:
                raise ValueError(f"\\P inside a character class: {pattern}")
            out.append(body if in_class else f"[{'^' if negated else ''}{body}]")
            continue
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class and (c == "[" or pattern.startswith("&&", i)):
            raise ValueError(f"nested or intersected character class: {pattern}")
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):  # a leading ']' is literal
                out.append("\\]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        else:
            out.append(c)
        i += 1
    return re.compile("".join(out), re.ASCII)
