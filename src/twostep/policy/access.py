"""May this principal do this? The one decision the IAM/STS API and the console both ask for.

IAM User Guide, "Policy evaluation logic" (within one account) and "AWS global condition context keys":
- the root user may do everything in its own account, whatever the policies say;
- an IAM user is decided by its identity-based policies (inline, attached managed, its groups'):
  an explicit Deny wins, else an Allow allows, else the request is implicitly denied;
- the request context carries the principal's keys (aws:username, aws:userid, aws:PrincipalArn,
  aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*), the request's (aws:CurrentTime, aws:EpochTime,
  aws:SourceIp, aws:SecureTransport) and the session's: aws:MultiFactorAuthPresent exists only for temporary
  credentials (STS, a console sign-in), true when a code was checked; aws:MultiFactorAuthAge, seconds since that
  check, exists only when one was. Long-term access keys carry neither, hence the guide's ``BoolIfExists``.

The console calls :func:`is_allowed` (or :func:`decide` for the reason) with the signed-in user's policies and
``Session(now, temporary=True, mfa_authenticated_at=<when the sign-in code was checked, or None>)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from twostep.identity.models import User
from twostep.policy.document import PolicyDocument, parse_policy
from twostep.policy.evaluator import ContextValue, Decision, Explanation, RequestContext, explain
from twostep.roles.models import AssumedRoleUser


@dataclass(frozen=True)
class Session:
    """How the principal proved who it is, and where the request comes from."""

    now: float
    temporary: bool = False  # STS credentials or a console session; False for a long-term access key
    mfa_authenticated_at: float | None = None  # when an MFA code was checked for this session
    source_ip: str | None = None
    secure_transport: bool | None = None

    @property
    def mfa_present(self) -> bool:
        return self.mfa_authenticated_at is not None


def iso_time(epoch: float) -> str:
    """aws:CurrentTime's form: ISO 8601 in UTC, to the second, with a Z."""
    return datetime.fromtimestamp(math.floor(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def principal_keys(user: User, session: Session) -> dict[str, ContextValue]:
    """The global condition keys of a request by ``user`` in ``session``; absent keys are left out."""
    keys: dict[str, ContextValue] = {
        "aws:PrincipalArn": user.arn,
        "aws:PrincipalAccount": user.account_id,
        "aws:PrincipalType": "Account" if user.is_root else "User",
        # For the root user AWS puts the account id in aws:userid and has no aws:username.
        "aws:userid": user.account_id if user.is_root else user.id,
        "aws:CurrentTime": iso_time(session.now),
        "aws:EpochTime": math.floor(session.now),
    }
    if isinstance(user, AssumedRoleUser):
        # A role session: the role is the principal, its id with the session name the user id; no username.
        keys.update({"aws:PrincipalArn": user.role_arn, "aws:PrincipalType": "AssumedRole"})
        keys["aws:userid"] = user.assumed_role_id
    elif not user.is_root:
        keys["aws:username"] = user.name
    for tag in user.tags:
        keys[f"aws:PrincipalTag/{tag.key}"] = tag.value
    if session.source_ip:
        keys["aws:SourceIp"] = session.source_ip
    if session.secure_transport is not None:
        keys["aws:SecureTransport"] = session.secure_transport
    if session.temporary:
        keys["aws:MultiFactorAuthPresent"] = session.mfa_present
    if session.mfa_authenticated_at is not None:
        keys["aws:MultiFactorAuthAge"] = max(0, math.floor(session.now - session.mfa_authenticated_at))
    return keys


def request_context(
    user: User,
    action: str,
    resource: str,
    session: Session,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> RequestContext:
    """The request context IAM evaluates: ``action`` as ``service:Action``, ``resource`` an ARN or "*"."""
    return RequestContext(action, resource, {**principal_keys(user, session), **(extra_keys or {})})


def decide(
    policies: Sequence[PolicyDocument],
    user: User,
    action: str,
    resource: str,
    session: Session,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> Explanation:
    """The decision and the statement behind it; the root user is allowed everything in its account.

    A role session with a session policy (AssumeRole's ``Policy``) gets the intersection: the request must be
    allowed by the role's policies and by the session policy, and a Deny in either refuses it."""
    if user.is_root:
        return Explanation(Decision.ALLOW, None)
    context = request_context(user, action, resource, session, extra_keys)
    explanation = explain(policies, context)
    if isinstance(user, AssumedRoleUser) and user.session_policy is not None:
        bounded = explain([_session_policy(user.session_policy)], context)
        if bounded.decision is Decision.EXPLICIT_DENY or explanation.decision is Decision.ALLOW:
            return bounded if bounded.decision is not Decision.ALLOW else explanation
    return explanation


@functools.lru_cache(maxsize=256)
def _session_policy(text: str) -> PolicyDocument:
    return parse_policy(text, max_size=None)


def is_allowed(
    policies: Sequence[PolicyDocument],
    user: User,
    action: str,
    resource: str,
    session: Session,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> bool:
    return decide(policies, user, action, resource, session, extra_keys).decision is Decision.ALLOW


def denial_message(user: User, action: str, resource: str, decision: Decision) -> str:
    """AWS's AccessDenied text for an identity-policy denial within one account."""
    prefix = f"User: {user.arn} is not authorized to perform: {action} on resource: {resource}"
    if decision is Decision.EXPLICIT_DENY:
        return prefix + " with an explicit deny in an identity-based policy"
    return prefix + f" because no identity-based policy allows the {action} action"
