"""May this caller perform this action? Every handler runs only after authorize() said yes.

The caller's identity-based policies are evaluated against the action's resource (action_resources) and the
request context (twostep.policy.language.access): explicit Deny beats Allow, no Allow means AccessDenied, the root
user may do everything in its own account, and GetSessionToken/GetCallerIdentity need no permission at all.
Handlers see only the caller's own account (S26), whatever this module decides. Everything here is asked of the
services.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.action_resources import (
    DECIDED_BY_OPERATION,
    NO_PERMISSION_NEEDED,
    Directory,
    condition_keys,
    resource_arn,
)
from twostep.awsapi.context import CallContext
from twostep.awsapi.protocol.errors import ApiError
from twostep.groups.errors import NoSuchGroup
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.policy.language.access import RequestEnvironment, decide, denial_message
from twostep.policy.language.evaluator import Decision
from twostep.roles.errors import NoSuchRole


def _directory(context: CallContext) -> Directory:
    services, account_id = context.services, context.caller.account_id

    def find_user(name: str) -> User | None:
        try:
            return context.user_named(name)
        except NoSuchUser:
            return None

    def find_key_owner(key_id: str) -> User | None:
        return services.identity.access_key_owner(account_id, key_id)

    def find_arn(kind: str, name: str) -> str | None:
        try:
            entity = (
                services.roles.role(account_id, name) if kind == "role" else services.groups.group(account_id, name)
            )
        except (NoSuchRole, NoSuchGroup):
            return None
        return entity.arn

    return Directory(account_id, context.caller.principal, find_user, find_key_owner, find_arn)


def environment_of(context: CallContext) -> RequestEnvironment:
    """The request as the policy language sees it: when, from where, and how the caller signed it."""
    caller = context.caller
    return RequestEnvironment(
        now=context.now,
        temporary=caller.temporary,
        mfa_authenticated_at=caller.mfa_authenticated_at,
        source_ip=context.source_ip,
        secure_transport=context.secure_transport,
    )


def authorize(context: CallContext, params: dict[str, Any]) -> None:
    """Raise AccessDenied (403) unless the caller's policies allow the action on its resource."""
    operation = (context.service, context.action)
    if operation in NO_PERMISSION_NEEDED or operation in DECIDED_BY_OPERATION:
        return
    principal = context.caller.principal
    if principal.is_root:
        return
    action = f"{context.service}:{context.action}"
    resource = resource_arn(context.service, context.action, params, _directory(context))
    permissions = context.services.policies.policies_for(principal)
    extra = condition_keys(context.service, context.action, params)
    explanation = decide(permissions, principal, action, resource, environment_of(context), extra)
    if explanation.decision is not Decision.ALLOW:
        raise ApiError("AccessDenied", denial_message(principal, action, resource, explanation.decision), 403)
