"""Reading an identity-based policy document: JSON text in, typed frozen dataclasses out, or IAM's refusal.

IAM User Guide, "IAM JSON policy element reference" and "Grammar of the IAM JSON policy language":
- Top level: ``Version`` (2012-10-17 or 2008-10-17; absent means 2008-10-17), ``Id``, ``Statement`` (one
  object or a list of them).
- Statement: ``Sid``, ``Effect`` (Allow | Deny), exactly one of ``Action``/``NotAction``, exactly one of
  ``Resource``/``NotResource``, ``Condition``; an identity-based policy names no ``Principal``.
- Action and Resource take a string or a list of strings; condition values a string, number, boolean or a
  list of them.
- IAM does not count white space against the size quota ("IAM and AWS STS quotas").

The checks run in the order IAM's answers show: structure, version, what IAM's older parser refuses (IAM
reports it as "The policy failed legacy parsing"), Sid uniqueness, actions, then resources.

A role's trust policy (``parse_policy(text, trust=True)``; IAM User Guide, "AWS JSON policy elements:
Principal" and "NotPrincipal") is the one document that names a ``Principal``: every statement must, and none may
have ``Resource``/``NotResource`` or ``NotPrincipal``; its actions are STS's AssumeRole actions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from twostep.policy.language import errors
from twostep.policy.language.conditions import Condition, parse_date, parse_operator
from twostep.policy.language.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.language.identifiers import check_action, check_resource, legacy_bad_arn, valid_principal

CURRENT_VERSION = "2012-10-17"
LEGACY_VERSION = "2008-10-17"
DEFAULT_MAX_SIZE = 6144  # IAM's quota for a managed policy; inline quotas are per user, group or role.

_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"})
_TRUST_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "NotAction", "Condition"})
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
TRUST_ACTIONS_ONLY = "AssumeRole policy may only specify STS AssumeRole actions."


@dataclass(frozen=True)
class Principals:
    """A trust policy statement's ``Principal``: ``"*"`` (everyone), or principal type -> identifiers."""

    everyone: bool
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def of_type(self, kind: str) -> tuple[str, ...]:
        return tuple(value for name, values in self.entries if name == kind for value in values)


@dataclass(frozen=True)
class Statement:
    """One statement. Exactly one of actions/not_actions and one of resources/not_resources is set; the
    Condition block is flattened to one Condition per (operator, key), all of which must hold."""

    sid: str | None
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...]
    principals: Principals | None = None  # trust policies only


@dataclass(frozen=True)
class PolicyDocument:
    """A validated identity-based policy; ``version`` is "2008-10-17" when the document names none."""

    version: str
    statements: tuple[Statement, ...]
    text: str  # as the caller sent it: IAM hands documents back exactly as given
    id: str | None = None

    @property
    def allows_variables(self) -> bool:
        """IAM User Guide, "IAM JSON policy elements: Version": variables need 2012-10-17."""
        return self.version == CURRENT_VERSION


class _Number(str):
    """A JSON number, kept as its source text so that no digit is lost and it cannot pass for a string."""


def _is_text(value: object) -> bool:
    return isinstance(value, str) and not isinstance(value, _Number)


def counted_size(document: str) -> int:
    """IAM's size of a policy: its characters other than white space ("IAM and AWS STS quotas")."""
    return sum(1 for char in document if not char.isspace())


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _syntax_error() -> MalformedPolicyDocument:
    return MalformedPolicyDocument(errors.SYNTAX_ERRORS)


def parse_policy(
    text: str,
    *,
    max_size: int | None = DEFAULT_MAX_SIZE,
    require_current_version: bool = False,
    trust: bool = False,
) -> PolicyDocument:
    """Parse and validate; raises MalformedPolicyDocument (PolicyTooLarge over the size quota), nothing else.

    ``require_current_version`` is CreatePolicy's rule for managed policies: Version must be 2012-10-17.
    ``trust`` reads a role's trust policy (Principal required, no Resource) instead of an identity policy.
    """
    if max_size is not None:
        size = counted_size(text)
        if size > max_size:
            raise PolicyTooLarge(size, max_size)
    try:
        raw = json.loads(text, parse_int=_Number, parse_float=_Number, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise _syntax_error() from None
    version, policy_id, raw_statements = _read_top(raw, trust)
    if require_current_version and version != CURRENT_VERSION:
        raise MalformedPolicyDocument(errors.VERSION_TOO_OLD)
    for raw_statement in raw_statements:
        _check_legacy(raw_statement)
    sids = [statement["Sid"] for statement in raw_statements if "Sid" in statement]
    if len(sids) != len(set(sids)):
        raise MalformedPolicyDocument(errors.DUPLICATE_SID)
    statements = tuple(_read_statement(statement) for statement in raw_statements)
    for statement in statements:
        for action in (statement.actions or ()) + (statement.not_actions or ()):
            check_action(action)
            if trust and action != "*" and not action.lower().startswith("sts:"):
                raise MalformedPolicyDocument(TRUST_ACTIONS_ONLY)
    if trust:
        return PolicyDocument(version, statements, text, policy_id)
    for statement in statements:
        if not (statement.resources or statement.not_resources):
            raise MalformedPolicyDocument(errors.NO_RESOURCES)
    for statement in statements:
        for resource in (statement.resources or ()) + (statement.not_resources or ()):
            check_resource(resource)
    return PolicyDocument(version, statements, text, policy_id)


def _read_top(raw: object, trust: bool = False) -> tuple[str, str | None, list[dict[str, object]]]:
    if not isinstance(raw, dict) or "Statement" not in raw or not set(raw) <= _TOP_KEYS:
        raise _syntax_error()
    version = raw.get("Version", LEGACY_VERSION)
    if version not in (CURRENT_VERSION, LEGACY_VERSION) or not _is_text(version):
        raise _syntax_error()
    policy_id = raw.get("Id")
    if policy_id is not None and not _is_text(policy_id):
        raise _syntax_error()
    listed = raw["Statement"]
    statements = listed if isinstance(listed, list) else [listed]
    if not statements or not all(isinstance(statement, dict) for statement in statements):
        raise _syntax_error()
    for statement in statements:
        _check_statement_shape(statement, trust)
    return str(version), None if policy_id is None else str(policy_id), statements


def _check_statement_shape(statement: dict[str, object], trust: bool = False) -> None:
    if trust:
        for prohibited in ("NotPrincipal", "Resource", "NotResource"):
            if prohibited in statement:
                raise MalformedPolicyDocument(f"Has prohibited field {prohibited}")
        if "Principal" not in statement:
            raise MalformedPolicyDocument("Missing required field Principal")
        if not set(statement) <= _TRUST_STATEMENT_KEYS:
            raise _syntax_error()
        _principals(statement["Principal"])
    elif "Principal" in statement or "NotPrincipal" in statement:
        raise MalformedPolicyDocument(errors.NO_PRINCIPAL)
    elif not set(statement) <= _STATEMENT_KEYS:
        raise _syntax_error()
    if ("Action" in statement and "NotAction" in statement) or ("Resource" in statement and "NotResource" in statement):
        raise _syntax_error()
    effect = statement.get("Effect")
    if not isinstance(effect, str) or not _is_text(effect) or effect.lower() not in ("allow", "deny"):
        raise _syntax_error()
    if "Sid" in statement and not _is_text(statement["Sid"]):
        raise _syntax_error()
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement:
            _strings(statement[key])
    _conditions(statement.get("Condition", {}))


def _principals(value: object) -> Principals:
    """``"*"``, or ``{"AWS": ..., "Service": ..., ...}`` with a string or a list of strings for each type."""
    if _is_text(value) and value == "*":
        return Principals(everyone=True)
    if not isinstance(value, dict) or not value or not set(value) <= _PRINCIPAL_TYPES:
        raise _syntax_error()
    entries = []
    for kind, raw in value.items():
        identifiers = _strings(raw)
        if not identifiers:
            raise _syntax_error()
        for identifier in identifiers:
            if not valid_principal(str(kind), identifier):
                raise MalformedPolicyDocument(f'Invalid principal in policy: "{kind}":"{identifier}"')
        entries.append((str(kind), identifiers))
    return Principals(everyone=False, entries=tuple(entries))


def _strings(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all(_is_text(item) for item in items):
        raise _syntax_error()
    return tuple(str(item) for item in items)


def _conditions(block: object) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        raise _syntax_error()
    conditions: list[Condition] = []
    for name, keys in block.items():
        if not isinstance(keys, dict):
            raise _syntax_error()
        operator = parse_operator(name)
        if operator is None:
            if keys:
                raise _syntax_error()
            continue  # IAM accepts an operator it does not know when it tests no key at all
        for key, values in keys.items():
            conditions.append(Condition(operator, key, _condition_values(values)))
    return tuple(conditions)


def _condition_values(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    texts: list[str] = []
    for item in items:
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, str):
            texts.append(str(item))
        else:
            raise _syntax_error()
    return tuple(texts)


def _check_legacy(statement: dict[str, object]) -> None:
    """What IAM's older parser refuses even in a 2012-10-17 document (answers recorded from IAM)."""
    effect = statement["Effect"]
    date_values = [
        value
        for condition in _conditions(statement.get("Condition", {}))
        if condition.operator.is_date
        for value in condition.values
    ]
    resources = [
        resource for key in ("Resource", "NotResource") if key in statement for resource in _strings(statement[key])
    ]
    if (
        effect not in ("Allow", "Deny")
        or any(parse_date(value) is None for value in date_values)
        or any(legacy_bad_arn(resource) for resource in resources)
    ):
        raise MalformedPolicyDocument(errors.LEGACY_PARSING)


def _read_statement(raw: dict[str, object]) -> Statement:
    actions = _strings(raw["Action"]) if "Action" in raw else None
    not_actions = _strings(raw["NotAction"]) if "NotAction" in raw else None
    if not (actions or not_actions):
        raise MalformedPolicyDocument(errors.NO_ACTIONS)
    effect: Literal["Allow", "Deny"] = "Allow" if raw["Effect"] == "Allow" else "Deny"
    return Statement(
        sid=str(raw["Sid"]) if "Sid" in raw else None,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=_strings(raw["Resource"]) if "Resource" in raw else None,
        not_resources=_strings(raw["NotResource"]) if "NotResource" in raw else None,
        conditions=_conditions(raw.get("Condition", {})),
        principals=_principals(raw["Principal"]) if "Principal" in raw else None,
    )
