"""May this caller perform this action? Every handler runs only after authorize() said yes.

The caller's identity-based policies are evaluated against the action's resource (action_resources) and the
request context (twostep.policy.access): explicit Deny beats Allow, no Allow means AccessDenied, the root user
may do everything in its own account, and GetSessionToken/GetCallerIdentity need no permission at all.
Handlers see only the caller's own account (S26), whatever this module decides.
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
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.policy.access import Session, decide, denial_message
from twostep.policy.evaluator import Decision


def _directory(context: CallContext) -> Directory:
    services, caller = context.services, context.caller.user
    account_id = caller.account_id

    def find_user(name: str) -> User | None:
        try:
            return context.user_named(name)
        except NoSuchUser:
            return None

    def find_key_owner(key_id: str) -> User | None:
        with services.uow(readonly=True) as uow:
            found = uow.access_keys.get(key_id)
            owner = uow.users.get(found[0].user_id) if found is not None else None
        return owner if owner is not None and owner.account_id == account_id else None

    def find_arn(kind: str, name: str) -> str | None:
        with services.uow(readonly=True) as uow:
            entity = uow.roles.by_name(account_id, name) if kind == "role" else uow.groups.by_name(account_id, name)
        return entity.arn if entity is not None else None

    return Directory(account_id, caller, find_user, find_key_owner, find_arn)


def session_of(context: CallContext) -> Session:
    caller = context.caller
    return Session(
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
    user = context.caller.user
    if user.is_root:
        return
    action = f"{context.service}:{context.action}"
    resource = resource_arn(context.service, context.action, params, _directory(context))
    policies = context.services.policies.policies_for(user)
    extra = condition_keys(context.service, context.action, params)
    explanation = decide(policies, user, action, resource, session_of(context), extra)
    if explanation.decision is not Decision.ALLOW:
        raise ApiError("AccessDenied", denial_message(user, action, resource, explanation.decision), 403)
