"""The Condition element: operators, their value types, and how one condition is decided against a request.

IAM User Guide, "IAM JSON policy elements: Condition operators":
- A key absent from the request context makes the condition false, except that a negated operator
  (StringNotEquals, StringNotLike, NumericNotEquals, DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike,
  StringNotEqualsIgnoreCase) is then true. ``...IfExists`` makes any operator true when the key is absent, and
  ``Null`` tests absence itself.
- Several values for one key are ORed; for a negated operator they are NORed ("Conditions with multiple
  context keys or values").
- Policy variables are supported in the values of the String, Bool and ARN operators, not in Numeric, Date,
  Binary, IP address or Null.
- Bool compares "true"/"false" without regard to case; BinaryEquals compares base64-decoded bytes; IpAddress
  takes a CIDR range or a single address; Date takes ISO 8601 or epoch seconds.

IAM User Guide, "Single-valued vs. multivalued context keys": ``ForAllValues:`` is true when every request
value satisfies the operator, and also when the key is absent or empty; ``ForAnyValue:`` needs at least one
request value that satisfies it, so it is false when the key is absent or empty.

A value that cannot be read as the operator's type (a number, date, address or base64 that does not parse, on
either side) satisfies neither the operator nor its negation. A policy value whose variable has no value
equals nothing ("Policy variables with no value"), so a negated operator does not count it as a match.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

from twostep.policy.language.matching import Resolver, arn_like, expand, like

KeyLookup = Callable[[str], tuple[str, ...] | None]
"""The request's values for a context key (any case), as text; None when it is absent or has no values."""

# None: the two values cannot be compared (one of them is not of the operator's type).
_Outcome = bool | None
# (policy value, request value, variables) -> outcome
_Match = Callable[[str, str, Resolver | None], _Outcome]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EPOCH = re.compile(r"[+-]?\d+(?:\.\d+)?")
_INT64 = 2**63
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_ORDERINGS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}


def parse_number(text: str) -> Decimal | None:
    """A finite decimal number, or None."""
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_date(text: str) -> Decimal | None:
    """Seconds since the epoch for an ISO 8601 date/time (UTC when no offset is given) or epoch seconds."""
    if _EPOCH.fullmatch(text):
        seconds = Decimal(text)
        return seconds if abs(seconds) < _INT64 else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        micros = (moment - _EPOCH_START) // timedelta(microseconds=1)
    except OverflowError:
        return None
    return Decimal(micros) / 1_000_000


def _ordered(parse: Callable[[str], Decimal | None], compare: Callable[[Decimal, Decimal], bool]) -> _Match:
    def match(policy: str, request: str, _resolve: Resolver | None) -> _Outcome:
        wanted, actual = parse(policy), parse(request)
        if wanted is None or actual is None:
            return None
        return compare(actual, wanted)

    return match


def _string_equals(policy: str, request: str, resolve: Resolver | None) -> _Outcome:
    return expand(policy, resolve) == request


def _string_equals_ignore_case(policy: str, request: str, resolve: Resolver | None) -> _Outcome:
    wanted = expand(policy, resolve)
    return wanted is not None and wanted.casefold() == request.casefold()


def _string_like(policy: str, request: str, resolve: Resolver | None) -> _Outcome:
    return like(policy, request, resolve)


def _arn_like(policy: str, request: str, resolve: Resolver | None) -> _Outcome:
    return arn_like(policy, request, resolve)


def _bool_equals(policy: str, request: str, resolve: Resolver | None) -> _Outcome:
    wanted, actual = (expand(policy, resolve) or "").lower(), request.lower()
    if wanted not in ("true", "false") or actual not in ("true", "false"):
        return None
    return wanted == actual


def _binary_equals(policy: str, request: str, _resolve: Resolver | None) -> _Outcome:
    try:
        return base64.b64decode(policy, validate=True) == base64.b64decode(request, validate=True)
    except (binascii.Error, ValueError):
        return None


def _ip_address(policy: str, request: str, _resolve: Resolver | None) -> _Outcome:
    try:
        return ipaddress.ip_address(request) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Kind:
    match: _Match
    negated: bool
    variables: bool


def _kinds() -> dict[str, _Kind]:
    kinds = {
        "StringEquals": _Kind(_string_equals, False, True),
        "StringNotEquals": _Kind(_string_equals, True, True),
        "StringEqualsIgnoreCase": _Kind(_string_equals_ignore_case, False, True),
        "StringNotEqualsIgnoreCase": _Kind(_string_equals_ignore_case, True, True),
        "StringLike": _Kind(_string_like, False, True),
        "StringNotLike": _Kind(_string_like, True, True),
        "Bool": _Kind(_bool_equals, False, True),
        "BinaryEquals": _Kind(_binary_equals, False, False),
        "IpAddress": _Kind(_ip_address, False, False),
        "NotIpAddress": _Kind(_ip_address, True, False),
        # IAM documents ArnEquals and ArnLike as the same test, wildcards included.
        "ArnEquals": _Kind(_arn_like, False, True),
        "ArnLike": _Kind(_arn_like, False, True),
        "ArnNotEquals": _Kind(_arn_like, True, True),
        "ArnNotLike": _Kind(_arn_like, True, True),
    }
    for family, parse in (("Numeric", parse_number), ("Date", parse_date)):
        for name, compare in _ORDERINGS.items():
            kinds[family + name] = _Kind(_ordered(parse, compare), False, False)
        kinds[family + "NotEquals"] = _Kind(_ordered(parse, operator.eq), True, False)
    return kinds


_KINDS = _kinds()
_Qualifier = Literal["ForAnyValue", "ForAllValues"] | None
_OPERATOR = re.compile(r"(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?")


@dataclass(frozen=True)
class ConditionOperator:
    """A parsed operator name such as ``ForAnyValue:StringLikeIfExists`` (names are case-sensitive in IAM)."""

    name: str
    base: str
    qualifier: _Qualifier
    if_exists: bool

    @property
    def negated(self) -> bool:
        return self.base != "Null" and _KINDS[self.base].negated

    @property
    def is_date(self) -> bool:
        return self.base.startswith("Date")


def parse_operator(name: str) -> ConditionOperator | None:
    """The operator, or None when IAM does not know it. Null takes neither IfExists nor a set qualifier."""
    parsed = _OPERATOR.fullmatch(name)
    if parsed is None:
        return None
    qualifier, base, if_exists = parsed.group(1), parsed.group(2), parsed.group(3) is not None
    if base == "Null":
        return ConditionOperator(name, base, None, False) if qualifier is None and not if_exists else None
    if base not in _KINDS:
        return None
    return ConditionOperator(name, base, cast(_Qualifier, qualifier), if_exists)


@dataclass(frozen=True)
class Condition:
    """One operator applied to one context key, with the policy's values for it (as JSON text)."""

    operator: ConditionOperator
    key: str
    values: tuple[str, ...]


def condition_holds(condition: Condition, lookup: KeyLookup, resolve: Resolver | None) -> bool:
    """Decide one condition; ``resolve`` is None when the document's Version does not allow variables."""
    op = condition.operator
    present = lookup(condition.key)
    if op.base == "Null":
        # "true" asks for the key to be absent, "false" for it to be present.
        return any(value.lower() == ("true" if present is None else "false") for value in condition.values)
    if present is None:
        if op.if_exists or op.qualifier == "ForAllValues":
            return True
        return False if op.qualifier == "ForAnyValue" else op.negated
    kind = _KINDS[op.base]
    variables = resolve if kind.variables else None
    satisfied = [_value_holds(kind, condition.values, value, variables) for value in present]
    if op.qualifier == "ForAnyValue":
        return any(satisfied)
    if op.qualifier == "ForAllValues" or kind.negated:
        # A negated operator without a qualifier holds only when no request value matches any policy value.
        return all(satisfied)
    return any(satisfied)


def _value_holds(kind: _Kind, policy_values: tuple[str, ...], request: str, resolve: Resolver | None) -> bool:
    outcomes = [kind.match(policy, request, resolve) for policy in policy_values]
    if kind.negated:
        return all(outcome is False for outcome in outcomes)
    return any(outcome is True for outcome in outcomes)
