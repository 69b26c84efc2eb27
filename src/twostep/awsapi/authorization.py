"""May this caller perform this action? Every handler runs only after authorize() said yes.

The caller's identity-based policies are evaluated against the action's resource (action_resources) and the
request context (twostep.policy.language.access): explicit Deny beats Allow, no Allow means AccessDenied, the root
user may do everything in its own account, and GetSessionToken/GetCallerIdentity need no permission at all.
Handlers see only the caller's own account (S26), whatever this module decides. Everything here is asked of the
services. The console asks :func:`decide_action` too (console/user_authorization.py): a page's action is decided
exactly as the API action it stands for, on the same resource, with the same condition keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from twostep.bootstrap import Services
from twostep.groups.errors import NoSuchGroup
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.policy.language.access import RequestEnvironment, decide, denial_message, may_change_own_password
from twostep.policy.language.evaluator import Decision, Explanation
from twostep.roles.errors import NoSuchRole


def _directory(services: Services, principal: Principal, user_named: Callable[[str], User]) -> Directory:
    account_id = principal.account_id

    def find_user(name: str) -> User | None:
        try:
            return user_named(name)
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

    return Directory(account_id, principal, find_user, find_key_owner, find_arn)


def decide_action(
    services: Services,
    principal: Principal,
    service: str,
    action: str,
    params: Mapping[str, Any],
    environment: RequestEnvironment,
    user_named: Callable[[str], User] | None = None,
) -> tuple[str, Explanation]:
    """The resource ``service:action`` with these parameters is decided on, and the decision of the principal's
    identity-based policies (the root user: always allowed in its account). ``user_named`` finds a user of the
    principal's account by name (NoSuchUser otherwise); by default the identity service is asked."""
    find = user_named or (lambda name: services.identity.user(principal.account_id, name))
    resource = resource_arn(service, action, params, _directory(services, principal, find))
    if principal.is_root:
        return resource, Explanation(Decision.ALLOW, None)
    permissions = services.policies.policies_for(principal)
    extra = condition_keys(service, action, params)
    explanation = decide(permissions, principal, f"{service}:{action}", resource, environment, extra)
    if (service, action) == ("iam", "ChangePassword") and _own_password_change(services, principal, explanation):
        return resource, Explanation(Decision.ALLOW, None)
    return resource, explanation


def _own_password_change(services: Services, principal: Principal, explanation: Explanation) -> bool:
    """ChangePassword (the caller's own password) is also allowed, short of an explicit Deny, by the account's
    AllowUsersToChangePassword and to a user whose password must be changed (PasswordResetRequired)."""
    if not isinstance(principal, User) or explanation.decision is Decision.ALLOW:
        return False
    account = services.identity.account(principal.account_id)
    return may_change_own_password(
        explanation.decision,
        account_allows=account.allow_users_to_change_password,
        reset_required=principal.password_reset_required,
    )


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
    resource, explanation = decide_action(
        context.services,
        principal,
        context.service,
        context.action,
        params,
        environment_of(context),
        context.user_named,
    )
    if explanation.decision is not Decision.ALLOW:
        action = f"{context.service}:{context.action}"
        raise ApiError("AccessDenied", denial_message(principal, action, resource, explanation.decision), 403)
