"""Decoding AWS *query protocol* requests into nested parameters, driven by botocore's models.

A query request is a flat list of form pairs (``Action=CreateUser&Version=2010-05-08&
UserName=bob&Tags.member.1.Key=team&Tags.member.1.Value=ops``). The operation's input shape says
how to fold them back, as botocore's ``QuerySerializer`` unfolds them:

- structure members by their wire name (``locationName`` or the member name), joined with ``.``;
- lists as ``Name.member.N`` (``N`` from 1; the element's ``locationName`` replaces ``member``;
  a flattened list is ``Name.N``); an empty list is the bare ``Name=`` pair;
- maps as ``Name.entry.N.key`` / ``Name.entry.N.value`` (flattened: ``Name.N.key``).

Scalars decode like AWS's query deserializer: integers are decimal ``[+-]digits`` within the
type's range, booleans follow xsd 1.1 (``true``/``false``/``1``/``0``, case-sensitive),
timestamps are ISO 8601 (or epoch seconds), blobs base64. A value that does not decode is
``MalformedInput`` (400), as AWS answers it (booleans: "boolean must follow xsd1.1 definition";
empty values: "missing value for boolean type" / "... decimal type"; a number that does not parse
gets no message at all, as from AWS). Parameters the operation does not define are ignored, as
AWS ignores them. ``Action`` and ``Version`` are not parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import invalid_action
from .model import ServiceModel, Shape
from .scalars import Decoder, decoder

_SCALAR, _STRUCT, _LIST, _MAP = range(4)
_NOT_PARAMETERS = ("Action", "Version")


class _Node:
    """Parse plan for one shape: what the next ``.``-separated tokens of a name may be."""

    __slots__ = (
        "by_member",
        "children",
        "decode",
        "elem",
        "elem_token",
        "key",
        "key_token",
        "kind",
        "value",
        "value_token",
    )

    def __init__(self, shape: Shape) -> None:
        self.decode: Decoder | None = None
        self.children: dict[str, tuple[str, _Node]] = {}
        self.by_member: dict[str, _Node] = {}
        self.elem_token: str | None = None
        self.elem: _Node | None = None
        self.key: _Node | None = None
        self.value: _Node | None = None
        self.key_token = "key"
        self.value_token = "value"
        if shape.type == "structure":
            self.kind = _STRUCT
            for name, member in shape.members.items():
                node = _Node(member)
                wire = member.wire_name or name
                if member.type == "list" and member.flattened and member.member and member.member.wire_name:
                    wire = member.member.wire_name
                self.children[wire] = (name, node)
                self.by_member[name] = node
        elif shape.type == "list":
            assert shape.member is not None
            self.kind = _LIST
            self.elem = _Node(shape.member)
            self.elem_token = None if shape.flattened else (shape.member.wire_name or "member")
        elif shape.type == "map":
            assert shape.key is not None and shape.value is not None
            self.kind = _MAP
            self.elem_token = None if shape.flattened else "entry"
            self.key, self.value = _Node(shape.key), _Node(shape.value)
            self.key_token = shape.key.wire_name or "key"
            self.value_token = shape.value.wire_name or "value"
        else:
            self.kind = _SCALAR
            self.decode = decoder(shape)


def _index(token: str) -> int | None:
    if token.isascii() and token.isdigit() and token[0] != "0":
        return int(token)
    return None


def _insert(root: _Node, result: dict[str, Any], tokens: list[str], raw: str) -> None:
    """Place one dotted pair into the intermediate tree; names that fit no member are dropped.

    Structures are dicts by member name; lists and maps are dicts by their 1-based index (a map
    entry is a two-item ``[key, value]`` list) until :func:`_finish` orders them.
    """
    node: _Node = root
    holder: Any = result
    i, n = 0, len(tokens)
    while i < n:
        slot: Any
        child: _Node | None
        if node.kind == _STRUCT:
            entry = node.children.get(tokens[i])
            if entry is None:
                return
            slot, child = entry
            i += 1
        elif node.kind == _LIST:
            if node.elem_token is not None:
                if tokens[i] != node.elem_token:
                    return
                i += 1
            slot = _index(tokens[i]) if i < n else None
            if slot is None:
                return
            child = node.elem
            i += 1
        else:  # map: [entry.]N.key|value
            if node.elem_token is not None:
                if tokens[i] != node.elem_token:
                    return
                i += 1
            idx = _index(tokens[i]) if i + 1 < n else None
            if idx is None:
                return
            part = tokens[i + 1]
            i += 2
            if part == node.key_token:
                slot, child = 0, node.key
            elif part == node.value_token:
                slot, child = 1, node.value
            else:
                return
            holder = holder.setdefault(idx, [None, None])
        assert child is not None
        if child.decode is not None:
            if i == n:
                holder[slot] = child.decode(raw)
            return
        if i == n:  # ``Name=`` with an empty value is how an empty list is sent
            if raw == "" and child.kind != _STRUCT:
                if node.kind == _MAP:
                    if holder[slot] is None:
                        holder[slot] = {}
                elif slot not in holder:
                    holder[slot] = {}
            return
        sub = holder[slot] if node.kind == _MAP else holder.get(slot)
        if sub is None:
            sub = holder[slot] = {}
        node, holder = child, sub


def _finish(node: _Node, inter: Any) -> Any:
    """Turn the intermediate tree into the parameters botocore would have been given."""
    if node.kind == _STRUCT:
        out = {}
        for name, value in inter.items():
            child = node.by_member[name]
            out[name] = value if child.kind == _SCALAR else _finish(child, value)
        return out
    if node.kind == _LIST:
        elem = node.elem
        assert elem is not None
        if elem.kind == _SCALAR:
            return [inter[i] for i in sorted(inter)]
        return [_finish(elem, inter[i]) for i in sorted(inter)]
    value_node = node.value
    assert value_node is not None
    mapped: dict[Any, Any] = {}
    for i in sorted(inter):
        key, value = inter[i]
        if key is None or (value is None and value_node.kind == _SCALAR):
            continue  # an entry needs its key, and a scalar value
        if value_node.kind != _SCALAR:  # an empty structure or list puts nothing on the wire
            value = _finish(value_node, {} if value is None else value)
        mapped[key] = value
    return mapped


def _plan(service: ServiceModel, action: str) -> _Node | None:
    if not service.has_operation(action):
        raise invalid_action(service, action)

    def build() -> _Node | None:
        shape = service.input_shape(action)
        if shape is None:
            return None
        root = _Node(shape)
        for name in _NOT_PARAMETERS:  # they name the call; no member can be sent under them
            root.children.pop(name, None)
        return root

    return service.cached("query", action, build)


def parse_parameters(service: ServiceModel, action: str, form: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Fold a query request's form pairs into the operation's input parameters.

    ``form`` is the url-decoded body (or query string) in order; a repeated name keeps its last
    value. Raises :class:`~twostep.awsapi.protocol.errors.ApiError` ``InvalidAction`` for an unknown
    action and ``MalformedInput`` for a scalar that does not decode. Constraints (required,
    lengths, patterns) are checked separately by :func:`~twostep.awsapi.protocol.validation.validate_parameters`.
    """
    root = _plan(service, action)
    if root is None:
        return {}
    children = root.children
    result: dict[str, Any] = {}
    nested = False
    for name, raw in form:
        entry = children.get(name)
        if entry is not None:
            member, node = entry
            if node.decode is not None:
                result[member] = node.decode(raw)
            elif raw == "" and node.kind != _STRUCT and member not in result:
                result[member] = {}
                nested = True
        elif "." in name:
            _insert(root, result, name.split("."), raw)
            nested = True
    return _finish(root, result) if nested else result
