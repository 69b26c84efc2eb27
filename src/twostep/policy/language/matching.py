"""Wildcards and policy variables: how a policy string is turned into something a request value can match.

IAM User Guide, "IAM JSON policy elements: Action" and "...: Resource": ``*`` matches any run of characters
and ``?`` any one character; action names compare case-insensitively, ARNs case-sensitively.

IAM User Guide, "IAM policy elements: Variables and tags":
- ``${aws:username}`` is replaced by the value of that context key (key names are case-insensitive).
- ``${key, 'default'}`` falls back to the quoted text when the key is absent (``''`` in it stands for ``'``).
- ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters, so they never act as wildcards.
- A key that is absent (or multivalued: those cannot be variables) leaves the variable without a value,
  and the string it sits in matches nothing.
- Variables exist only in documents whose Version is 2012-10-17: callers pass ``resolve=None`` otherwise and
  the text is taken literally.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Resolver = Callable[[str], str | None]
"""Looks up a single-valued context key by name (any case); None when the request has no value for it."""

# A quoted default may hold "}"; the atomic group keeps "''" from being read two ways (no backtracking blow-up).
_VARIABLE = re.compile(r"\$\{((?:[^}']|(?>'(?:[^']|'')*+'))*+)\}")
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class _Literal:
    text: str


@dataclass(frozen=True)
class _Wildcard:
    char: str  # "*" or "?"


@dataclass(frozen=True)
class _Variable:
    key: str
    default: str | None


_Token = _Literal | _Wildcard | _Variable


@functools.lru_cache(maxsize=4096)
def _tokenize(text: str, variables: bool) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        found = _VARIABLE.search(text, position) if variables else None
        end = found.start() if found else len(text)
        for char in text[position:end]:
            tokens.append(_Wildcard(char) if char in "*?" else _Literal(char))
        if found is None:
            break
        tokens.append(_variable_token(found.group(1)))
        position = found.end()
    return tuple(tokens)


def _variable_token(body: str) -> _Token:
    if body in _ESCAPES:
        return _Literal(_ESCAPES[body])
    parsed = _VARIABLE_BODY.fullmatch(body)
    if parsed is None:
        # A malformed variable ("${}", "${a b}") can never be given a value, so it never matches.
        return _Variable(key="", default=None)
    default = parsed.group(2)
    return _Variable(parsed.group(1), default.replace("''", "'") if default is not None else None)


def _value_of(token: _Variable, resolve: Resolver) -> str | None:
    value = resolve(token.key) if token.key else None
    return value if value is not None else token.default


def expand(text: str, resolve: Resolver | None) -> str | None:
    """The text with its variables substituted and no wildcards; None when a variable has no value."""
    parts: list[str] = []
    for token in _tokenize(text, resolve is not None):
        if isinstance(token, _Variable):
            assert resolve is not None
            value = _value_of(token, resolve)
            if value is None:
                return None
            parts.append(value)
        else:
            parts.append(token.text if isinstance(token, _Literal) else token.char)
    return "".join(parts)


class _Any(enum.Enum):
    ONE = "?"
    RUN = "*"


_Element = str | _Any  # one literal character, or a wildcard


def _elements(tokens: Sequence[_Token], resolve: Resolver | None, fold: bool) -> list[_Element] | None:
    elements: list[_Element] = []
    for token in tokens:
        if isinstance(token, _Wildcard):
            elements.append(_Any(token.char))
            continue
        if isinstance(token, _Literal):
            text: str | None = token.text
        else:
            # Substituted text is data, not pattern: a "*" in a user's tag value matches only "*".
            text = _value_of(token, resolve) if resolve is not None else None
        if text is None:
            return None
        elements.extend(text.lower() if fold else text)
    return elements


def _glob(elements: Sequence[_Element], text: str) -> bool:
    """Whole-string wildcard match in O(len(elements) * len(text)): no regex, so no catastrophic backtracking."""
    p = t = 0
    star, star_t = -1, 0  # the last "*" seen, and where in the text its current match ends
    while t < len(text):
        if p < len(elements) and elements[p] is _Any.RUN:
            star, star_t = p, t
            p += 1
        elif p < len(elements) and (elements[p] is _Any.ONE or elements[p] == text[t]):
            p += 1
            t += 1
        elif star >= 0:
            # Let the last "*" swallow one more character; earlier stars never need to (classic argument).
            p, star_t = star + 1, star_t + 1
            t = star_t
        else:
            return False
    return all(element is _Any.RUN for element in elements[p:])


def like(pattern: str, value: str, resolve: Resolver | None, *, ignore_case: bool = False) -> bool:
    """``*`` and ``?`` span any characters, ``/`` and ``:`` included; False when a variable has no value."""
    elements = _elements(_tokenize(pattern, resolve is not None), resolve, ignore_case)
    return elements is not None and _glob(elements, value.lower() if ignore_case else value)


def arn_like(pattern: str, arn: str, resolve: Resolver | None) -> bool:
    """The ARN condition operators (IAM User Guide, "Amazon Resource Name (ARN) condition operators").

    Each of the six colon-delimited components is matched separately, so a wildcard in the first five never
    crosses a ``:``; the last component (the resource) may contain colons of its own. A policy value with
    fewer than six components is matched against the whole ARN.
    """
    segments: list[list[_Token]] = [[]]
    for token in _tokenize(pattern, resolve is not None):
        if isinstance(token, _Literal) and token.text == ":" and len(segments) < 6:
            segments.append([])
        else:
            segments[-1].append(token)
    if len(segments) < 6:
        return like(pattern, arn, resolve)
    components = arn.split(":", 5)
    if len(components) < 6:
        return False
    for segment, component in zip(segments, components, strict=True):
        elements = _elements(segment, resolve, False)
        if elements is None or not _glob(elements, component):
            return False
    return True


def action_matches(pattern: str, action: str) -> bool:
    """IAM User Guide, "IAM JSON policy elements: Action": wildcards, prefix and name case-insensitive."""
    return like(pattern, action, None, ignore_case=True)


def resource_matches(pattern: str, resource: str, resolve: Resolver | None) -> bool:
    """IAM User Guide, "IAM JSON policy elements: Resource": case-sensitive, wildcards, policy variables."""
    return like(pattern, resource, resolve)
