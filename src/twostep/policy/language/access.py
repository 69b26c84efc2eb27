"""May this principal do this? The one decision the IAM/STS API and the console both ask for.

IAM User Guide, "Policy evaluation logic" (within one account) and "AWS global condition context keys":
- the root user may do everything in its own account, whatever the policies say;
- an IAM user or a role session is decided by its identity-based policies (a user's: inline, attached managed,
  its groups'; a session's: its role's): an explicit Deny wins, else an Allow allows, else the request is
  implicitly denied. A role session created with a session policy gets the intersection: the request must be
  allowed by both, and a Deny in either refuses it ("Session policies");
- the request context carries the principal's keys (aws:username, aws:userid, aws:PrincipalArn,
  aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*), the request's (aws:CurrentTime, aws:EpochTime,
  aws:SourceIp, aws:SecureTransport) and the session's: aws:MultiFactorAuthPresent exists only for temporary
  credentials (STS, a console sign-in), true when a code was checked; aws:MultiFactorAuthAge, seconds since that
  check, exists only when one was. Long-term access keys carry neither, hence the guide's ``BoolIfExists``.

The console calls :func:`is_allowed` (or :func:`decide` for the reason) with the signed-in user's permissions
and ``RequestEnvironment(now, temporary=True, mfa_authenticated_at=<when the sign-in code was checked, or None>)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from twostep.identity.principal import Principal, RoleSession
from twostep.policy.language.document import PolicyDocument
from twostep.policy.language.evaluator import ContextValue, Decision, Explanation, RequestContext, explain


@dataclass(frozen=True)
class RequestEnvironment:
    """Everything about a request the policy language reads besides its principal, action and resource: when it
    is made, from where, over what transport, and how the principal authenticated."""

    now: float
    temporary: bool = False  # STS credentials or a console session; False for a long-term access key
    mfa_authenticated_at: float | None = None  # when an MFA code was checked for this session
    source_ip: str | None = None
    secure_transport: bool | None = None

    @property
    def mfa_present(self) -> bool:
        return self.mfa_authenticated_at is not None


@dataclass(frozen=True)
class Permissions:
    """What a principal's requests are decided by: its identity-based policies and, for a role session created
    with one, the session policy that narrows them. The root user's permissions come from no policy at all."""

    policies: tuple[PolicyDocument, ...] = ()
    session_policy: PolicyDocument | None = None


def iso_time(epoch: float) -> str:
    """aws:CurrentTime's form: ISO 8601 in UTC, to the second, with a Z."""
    return datetime.fromtimestamp(math.floor(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def principal_keys(principal: Principal, environment: RequestEnvironment) -> dict[str, ContextValue]:
    """The global condition keys of a request by ``principal`` in ``environment``; absent keys are left out."""
    keys: dict[str, ContextValue] = {
        "aws:PrincipalAccount": principal.account_id,
        "aws:userid": principal.caller_id,
        "aws:CurrentTime": iso_time(environment.now),
        "aws:EpochTime": math.floor(environment.now),
    }
    if isinstance(principal, RoleSession):
        # The role is the principal; there is no username.
        keys.update({"aws:PrincipalArn": principal.role_arn, "aws:PrincipalType": "AssumedRole"})
    elif principal.is_root:
        keys.update({"aws:PrincipalArn": principal.arn, "aws:PrincipalType": "Account"})
    else:
        keys.update({"aws:PrincipalArn": principal.arn, "aws:PrincipalType": "User", "aws:username": principal.name})
    for tag in principal.tags:
        keys[f"aws:PrincipalTag/{tag.key}"] = tag.value
    if environment.source_ip:
        keys["aws:SourceIp"] = environment.source_ip
    if environment.secure_transport is not None:
        keys["aws:SecureTransport"] = environment.secure_transport
    if environment.temporary:
        keys["aws:MultiFactorAuthPresent"] = environment.mfa_present
    if environment.mfa_authenticated_at is not None:
        keys["aws:MultiFactorAuthAge"] = max(0, math.floor(environment.now - environment.mfa_authenticated_at))
    return keys


def request_context(
    principal: Principal,
    action: str,
    resource: str,
    environment: RequestEnvironment,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> RequestContext:
    """The request context IAM evaluates: ``action`` as ``service:Action``, ``resource`` an ARN or "*"."""
    return RequestContext(action, resource, {**principal_keys(principal, environment), **(extra_keys or {})})


def decide(
    permissions: Permissions,
    principal: Principal,
    action: str,
    resource: str,
    environment: RequestEnvironment,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> Explanation:
    """The decision and the statement behind it; the root user is allowed everything in its account."""
    if principal.is_root:
        return Explanation(Decision.ALLOW, None)
    context = request_context(principal, action, resource, environment, extra_keys)
    explanation = explain(permissions.policies, context)
    if permissions.session_policy is not None:
        bounded = explain([permissions.session_policy], context)
        if bounded.decision is Decision.EXPLICIT_DENY or explanation.decision is Decision.ALLOW:
            return bounded if bounded.decision is not Decision.ALLOW else explanation
    return explanation


def is_allowed(
    permissions: Permissions,
    principal: Principal,
    action: str,
    resource: str,
    environment: RequestEnvironment,
    extra_keys: Mapping[str, ContextValue] | None = None,
) -> bool:
    return decide(permissions, principal, action, resource, environment, extra_keys).decision is Decision.ALLOW


def denial_message(principal: Principal, action: str, resource: str, decision: Decision) -> str:
    """AWS's AccessDenied text for an identity-policy denial within one account."""
    prefix = f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource}"
    if decision is Decision.EXPLICIT_DENY:
        return prefix + " with an explicit deny in an identity-based policy"
    return prefix + f" because no identity-based policy allows the {action} action"


def may_change_own_password(decision: Decision, *, account_allows: bool, reset_required: bool) -> bool:
    """iam:ChangePassword on the user's own ARN, as IAM decides it: the user's policies allow it, or the account
    lets every user change their own password (AWS's AllowUsersToChangePassword), or the user must choose a new
    password before anything else (PasswordResetRequired). An explicit Deny refuses it whatever else says yes."""
    if decision is Decision.ALLOW:
        return True
    return decision is not Decision.EXPLICIT_DENY and (account_allows or reset_required)
