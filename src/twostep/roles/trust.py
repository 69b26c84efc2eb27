"""May this principal assume this role? The role's trust policy and the caller's identity policies together.

STS API Reference, AssumeRole, and IAM User Guide, "AWS JSON policy elements: Principal" and "Policy evaluation
logic" (within one account):
- the trust policy's statements apply to the caller when their Principal names it: ``"*"`` or ``{"AWS": "*"}``
  names everyone; the caller's own ARN (an IAM user; for a role session the role's ARN or the session's ARN)
  names it *directly*; an account id or ``arn:aws:iam::ACCOUNT:root`` names every principal of that account;
- conditions are evaluated in the caller's request context (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge,
  aws:username, aws:PrincipalArn, sts:ExternalId, ...);
- an applicable Deny in the trust policy or in the caller's identity policies refuses;
- a trust Allow that names the caller directly is enough on its own ("To allow a user to assume a role in the
  same account, you can ... add the user as a principal directly in the role's trust policy"); one that names
  the account needs an Allow of sts:AssumeRole in the caller's identity policies as well.
Roles may not be assumed by the root user.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from twostep.identity.principal import Principal, RoleSession
from twostep.policy.language.document import PolicyDocument, Principals
from twostep.policy.language.evaluator import Decision, Explanation, RequestContext, statement_applies

ASSUME_ROLE = "sts:AssumeRole"
ROOT_REFUSED = "Roles may not be assumed by root accounts."


class Naming(enum.Enum):
    DIRECTLY = "directly"  # the caller's ARN, or everyone
    ACCOUNT = "account"  # the caller's account


def naming(principals: Principals | None, caller: Principal) -> Naming | None:
    """How a statement's Principal names the caller, if it does."""
    if principals is None:
        return None
    if principals.everyone:
        return Naming.DIRECTLY
    found: Naming | None = None
    own = {caller.role_arn, caller.arn} if isinstance(caller, RoleSession) else {caller.arn}
    account = {caller.account_id, f"arn:aws:iam::{caller.account_id}:root"}
    for identifier in principals.of_type("AWS"):
        if identifier == "*" or identifier in own:
            return Naming.DIRECTLY
        if identifier in account:
            found = Naming.ACCOUNT
    return found


@dataclass(frozen=True)
class TrustDecision:
    decision: Decision
    naming: Naming | None = None  # of the Allow that applied


def evaluate_trust(policy: PolicyDocument, caller: Principal, context: RequestContext) -> TrustDecision:
    """The trust policy's decision for the caller; a Deny that applies wins over every Allow."""
    allowed: Naming | None = None
    for statement in policy.statements:
        named = naming(statement.principals, caller)
        if named is None or not statement_applies(statement, context, variables=policy.allows_variables):
            continue
        if statement.effect == "Deny":
            return TrustDecision(Decision.EXPLICIT_DENY)
        if allowed is not Naming.DIRECTLY:
            allowed = named
    if allowed is None:
        return TrustDecision(Decision.IMPLICIT_DENY)
    return TrustDecision(Decision.ALLOW, allowed)


@dataclass(frozen=True)
class AssumeDecision:
    allowed: bool
    message: str | None = None  # AWS's AccessDenied text when refused


def trust_denial(caller: Principal, role_arn: str) -> str:
    return f"User: {caller.arn} is not authorized to perform: {ASSUME_ROLE} on resource: {role_arn}"


def decide_assume_role(
    caller: Principal,
    role_arn: str,
    trust: TrustDecision | None,
    identity: Explanation,
    identity_denial: str,
) -> AssumeDecision:
    """Combine the trust policy's decision (None: no such role) with the identity policies' ``identity``;
    ``identity_denial`` is the AccessDenied text for an identity-policy refusal."""
    if caller.is_root:
        return AssumeDecision(False, ROOT_REFUSED)
    if identity.decision is Decision.EXPLICIT_DENY:
        return AssumeDecision(False, identity_denial)
    if trust is None or trust.decision is not Decision.ALLOW:
        return AssumeDecision(False, trust_denial(caller, role_arn))
    if trust.naming is Naming.DIRECTLY or identity.decision is Decision.ALLOW:
        return AssumeDecision(True)
    return AssumeDecision(False, identity_denial)


def unknown_principals(policy: PolicyDocument, account_id: str, exists: Callable[[str], bool]) -> list[str]:
    """The user and role ARNs of ``account_id`` the trust policy names that do not exist (IAM refuses them)."""
    missing = []
    prefix = f"arn:aws:iam::{account_id}:"
    for statement in policy.statements:
        for identifier in statement.principals.of_type("AWS") if statement.principals else ():
            if identifier.startswith(prefix) and identifier != prefix + "root" and not exists(identifier):
                missing.append(identifier)
    return missing
