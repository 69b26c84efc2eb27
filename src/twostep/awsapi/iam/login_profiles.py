"""Login profiles (console passwords): Create, Get, Update, Delete (UserName omitted means the caller), and
ChangePassword, an IAM user's own.

The password is checked by the same policy as the console's (PasswordPolicyViolation), and a user with a login
profile signs in to the console with it: one state for both adapters. ChangePassword proves the old password
through the console's own guarded check (signin/password_change.py): the same count, delays and hard stop.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import target_name
from twostep.awsapi.protocol.errors import ApiError, iam_error
from twostep.identity.errors import NoLoginProfile
from twostep.signin.errors import SignInFailed

ROOT_CANNOT_CHANGE = "Only an IAM user can call ChangePassword; the root user changes its password in the console."
# AWS's documentation names no error for a wrong OldPassword. One message for a wrong one and a throttled attempt
# (S13), as at the console's sign-in.
OLD_PASSWORD_REFUSED = "The old password is incorrect, or was tried too often: check it and try again in a minute."
PASSWORD_REQUIRED = (
    "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null"
)


def _profile(name: str, created_at: float, reset_required: bool) -> dict[str, Any]:
    return {"LoginProfile": {"UserName": name, "CreateDate": created_at, "PasswordResetRequired": reset_required}}


def create_login_profile(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    password = params.get("Password")
    if password is None:  # optional in the model only for root recovery sessions, which twostep does not issue
        raise ApiError("ValidationError", PASSWORD_REQUIRED)
    reset_required = bool(params.get("PasswordResetRequired", False))
    user = context.services.identity.set_login_profile(
        context.caller.account_id,
        target_name(context, params),
        password,
        actor=context.caller.principal,
        create=True,
        reset_required=reset_required,
    )
    return _profile(user.name, user.password_changed_at or context.now, reset_required)


def get_login_profile(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = target_name(context, params)
    user = context.user_named(name)
    if not user.has_login_profile:
        raise NoLoginProfile(user.name)
    return _profile(user.name, user.password_changed_at or user.created_at, user.password_reset_required)


def update_login_profile(context: CallContext, params: dict[str, Any]) -> None:
    identity, account_id, name = context.services.identity, context.caller.account_id, params["UserName"]
    password, reset_required = params.get("Password"), params.get("PasswordResetRequired")
    if password is not None:
        identity.set_login_profile(
            account_id,
            name,
            password,
            actor=context.caller.principal,
            create=False,
            reset_required=bool(reset_required),
        )
    elif reset_required is not None:
        identity.set_password_reset_required(account_id, name, bool(reset_required), actor=context.caller.principal)
    elif not identity.user(account_id, name).has_login_profile:
        raise NoLoginProfile(name)


def delete_login_profile(context: CallContext, params: dict[str, Any]) -> None:
    context.services.identity.delete_login_profile(
        context.caller.account_id, target_name(context, params), actor=context.caller.principal
    )


def change_password(context: CallContext, params: dict[str, Any]) -> None:
    """The caller's own password (never the root user's: InvalidUserType). Its console sessions end."""
    user = context.caller.user
    if user is None or user.is_root:
        raise iam_error("InvalidUserType", ROOT_CANNOT_CHANGE)
    try:
        context.services.signin.change_password(
            user,
            old_password=params["OldPassword"],
            new_password=params["NewPassword"],
            source_ip=context.source_ip,
        )
    except SignInFailed:
        raise iam_error("AccessDenied", OLD_PASSWORD_REFUSED) from None


HANDLERS = {
    "ChangePassword": change_password,
    "CreateLoginProfile": create_login_profile,
    "GetLoginProfile": get_login_profile,
    "UpdateLoginProfile": update_login_profile,
    "DeleteLoginProfile": delete_login_profile,
}
