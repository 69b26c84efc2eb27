"""The decision for a request against the identity-based policies of one principal in one account.

IAM User Guide, "Policy evaluation logic" ("Determining whether a request is allowed or denied within an
account"): every request starts denied; an explicit Deny in any applicable statement wins over every Allow;
else an applicable Allow allows; else the request stays implicitly denied. A statement applies when the action
is in Action (or not in NotAction), the resource is in Resource (or not in NotResource), and every condition
holds ("Conditions with multiple context keys or values": operators and keys are ANDed).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from twostep.policy.language.conditions import condition_holds
from twostep.policy.language.document import PolicyDocument, Statement
from twostep.policy.language.matching import Resolver, action_matches, resource_matches

ContextValue = str | bool | int | float | Sequence[str]


class Decision(enum.Enum):
    ALLOW = "Allow"
    IMPLICIT_DENY = "ImplicitDeny"  # IAM's "implicitDeny": nothing allowed it
    EXPLICIT_DENY = "ExplicitDeny"  # IAM's "explicitDeny": a Deny statement applied


@dataclass(frozen=True)
class RequestContext:
    """What IAM knows about a request ("The request context").

    ``action`` is ``service:Action`` (compared case-insensitively); ``resource`` an ARN, or "*" for actions
    that do not support resource-level permissions. ``keys`` holds the condition context keys, names in any
    case; a key that does not apply to the request is left out (aws:MultiFactorAuthPresent for long-term
    access keys).
    """

    action: str
    resource: str
    keys: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """The decision and the statement that made it (None for an implicit deny)."""

    decision: Decision
    statement: Statement | None
    policy: PolicyDocument | None = None


class _Keys:
    """The context keys by lower-cased name, each as a tuple of text values (None when absent or empty)."""

    def __init__(self, keys: Mapping[str, ContextValue]) -> None:
        self._values = {name.lower(): _as_texts(value) for name, value in keys.items()}

    def values(self, name: str) -> tuple[str, ...] | None:
        return self._values.get(name.lower())

    def single(self, name: str) -> str | None:
        # Only single-valued keys can be policy variables ("Single-valued vs. multivalued context keys").
        values = self._values.get(name.lower())
        return values[0] if values is not None and len(values) == 1 else None


def _as_texts(value: ContextValue) -> tuple[str, ...] | None:
    if isinstance(value, bool):
        texts: tuple[str, ...] = ("true" if value else "false",)
    elif isinstance(value, str | int | float):
        texts = (str(value),)
    else:
        texts = tuple(str(item) for item in value)
    return texts or None


def statement_applies(statement: Statement, context: RequestContext, *, variables: bool = True) -> bool:
    """Whether the statement covers this request; ``variables`` is False for a 2008-10-17 document."""
    return _applies(statement, context, _Keys(context.keys), variables)


def _applies(statement: Statement, context: RequestContext, keys: _Keys, variables: bool) -> bool:
    if statement.actions is not None:
        if not any(action_matches(pattern, context.action) for pattern in statement.actions):
            return False
    elif any(action_matches(pattern, context.action) for pattern in statement.not_actions or ()):
        return False
    resolve: Resolver | None = keys.single if variables else None
    if statement.resources is not None:
        if not any(resource_matches(pattern, context.resource, resolve) for pattern in statement.resources):
            return False
    elif any(resource_matches(pattern, context.resource, resolve) for pattern in statement.not_resources or ()):
        return False
    return all(condition_holds(condition, keys.values, resolve) for condition in statement.conditions)


def explain(policies: Sequence[PolicyDocument], context: RequestContext) -> Explanation:
    """The decision, with the first Deny that applied or else the first Allow."""
    keys = _Keys(context.keys)
    allowed: Explanation | None = None
    for policy in policies:
        for statement in policy.statements:
            if not _applies(statement, context, keys, policy.allows_variables):
                continue
            if statement.effect == "Deny":
                return Explanation(Decision.EXPLICIT_DENY, statement, policy)
            if allowed is None:
                allowed = Explanation(Decision.ALLOW, statement, policy)
    return allowed or Explanation(Decision.IMPLICIT_DENY, None)


def evaluate(policies: Sequence[PolicyDocument], context: RequestContext) -> Decision:
    """IAM's decision for a request within one account, from its identity-based policies alone."""
    return explain(policies, context).decision
