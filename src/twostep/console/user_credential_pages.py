"""A user's security credentials, changed by an administrator from the user's page: MFA devices (deactivate, with a
fresh MFA proof of the administrator's own), access keys (create: the secret shown this once; make inactive or
active; delete) and the console password (create, reset, remove, require a new one at the next sign-in).

Each action is decided as the API action it stands for (user_authorization.py); the services do the rest, each
change in one transaction with its audit event."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.console.user_authorization import OWN_MFA_FIRST, refusal
from twostep.console.user_detail_pages import acting_on, change_user, detail_page, signed_in_user, user_url
from twostep.identity.errors import IdentityError
from twostep.identity.models import User
from twostep.mfa.errors import MfaError
from twostep.signin.models import CurrentSession

PASSWORDS_DIFFER = N_("The passwords do not match. Type the same password twice.")
KEY_STATUSES = {"Active": "access-key-activated", "Inactive": "access-key-deactivated"}


def routes(console: Console) -> list[BaseRoute]:
    user = "/users/{name}"
    return [
        route(console, user + "/mfa/deactivate", post=deactivate_device),
        route(console, user + "/access-keys/create", post=create_access_key),
        route(console, user + "/access-keys/update", post=update_access_key),
        route(console, user + "/access-keys/delete", post=delete_access_key),
        route(console, user + "/console-password", get=show_password_form, post=set_password),
        route(console, user + "/console-password/remove", post=remove_password),
        route(console, user + "/console-password/require-reset", post=require_reset),
    ]


# -- MFA devices ------------------------------------------------------------------------------------------------


def deactivation_refused(
    console: Console, request: Request, current: CurrentSession, user_name: str, serial: str, back_to: str
) -> str | None:
    """Why the principal may not deactivate this user's device now (None: go ahead). iam:DeactivateMFADevice on the
    user, and a device of the principal's own, proved within minutes (S17): re-authentication if it is older."""
    params = {"UserName": user_name, "SerialNumber": serial}
    refused = refusal(console, request, current, "DeactivateMFADevice", params)
    if refused:
        return refused
    if not console.services.mfa.devices_of(current.user):
        return console.gettext(request, OWN_MFA_FIRST)
    console.require_fresh(request, current, back_to)
    return None


def deactivate_device(console: Console, request: Request, form: Form) -> Response:
    current, user = acting_on(console, request, form)
    serial = form.text("serial", strip=True)
    refused = deactivation_refused(console, request, current, user.name, serial, user_url(user.name))
    if refused:
        return detail_page(console, request, current, user, error=refused, status=403)
    try:
        console.services.mfa.deactivate(user, serial, actor=current.user, source_ip=client_address(request))
    except MfaError as failure:
        return detail_page(console, request, current, user, error=console.error(request, failure))
    return redirect(user_url(user.name) + "?notice=device-deactivated")


# -- access keys ------------------------------------------------------------------------------------------------


def create_access_key(console: Console, request: Request, form: Form) -> Response:
    """CreateAccessKey: the secret access key is on this answer and nowhere else, ever (no-store, no redirect)."""
    current, user = acting_on(console, request, form)
    refused = refusal(console, request, current, "CreateAccessKey", {"UserName": user.name})
    if refused:
        return detail_page(console, request, current, user, error=refused, status=403)
    try:
        new = console.services.identity.create_access_key(user, actor=current.user)
    except IdentityError as failure:
        return detail_page(console, request, current, user, error=console.error(request, failure), status=409)
    context = {"user": user, "user_url": user_url, "key": new.key, "secret": new.secret_access_key}
    return console.render(request, "access_key_created.html", context, current=current)


def update_access_key(console: Console, request: Request, form: Form) -> Response:
    key_id, status = form.text("key_id", strip=True), form.text("status", strip=True)
    return change_user(
        console,
        request,
        form,
        "UpdateAccessKey",
        lambda user: {"AccessKeyId": key_id},
        lambda current, user: console.services.identity.update_access_key(user, key_id, status, actor=current.user),
        KEY_STATUSES.get(status, ""),
        (IdentityError,),
    )


def delete_access_key(console: Console, request: Request, form: Form) -> Response:
    key_id = form.text("key_id", strip=True)
    return change_user(
        console,
        request,
        form,
        "DeleteAccessKey",
        lambda user: {"AccessKeyId": key_id},
        lambda current, user: console.services.identity.delete_access_key(user, key_id, actor=current.user),
        "access-key-deleted",
        (IdentityError,),
    )


# -- console password -------------------------------------------------------------------------------------------


def password_page(
    console: Console, request: Request, current: CurrentSession, user: User, error: str | None = None
) -> Response:
    context = {"user": user, "user_url": user_url, "require_reset": True}
    status = 400 if error else 200
    return console.render(request, "user_password.html", context, current=current, status=status, error=error)


def show_password_form(console: Console, request: Request) -> Response:
    current, user = signed_in_user(console, request)
    return password_page(console, request, current, user)


def set_password(console: Console, request: Request, form: Form) -> Response:
    """CreateLoginProfile for a user without console access, UpdateLoginProfile (a reset) for one with it."""
    current, user = acting_on(console, request, form)
    create = not user.has_login_profile
    action = "CreateLoginProfile" if create else "UpdateLoginProfile"
    refused = refusal(console, request, current, action, {"UserName": user.name})
    if refused:
        return detail_page(console, request, current, user, error=refused, status=403)
    password, again = form.text("password"), form.text("password_again")
    if password != again:
        return password_page(console, request, current, user, console.gettext(request, PASSWORDS_DIFFER))
    try:
        console.services.identity.set_login_profile(
            user.account_id,
            user.name,
            password,
            actor=current.user,
            create=create,
            reset_required=form.text("require_reset") == "on",
        )
    except IdentityError as failure:
        return password_page(console, request, current, user, console.error(request, failure))
    notice = "console-password-created" if create else "console-password-reset"
    return redirect(user_url(user.name) + "?notice=" + notice)


def remove_password(console: Console, request: Request, form: Form) -> Response:
    identity = console.services.identity
    return change_user(
        console,
        request,
        form,
        "DeleteLoginProfile",
        lambda user: {},
        lambda current, user: identity.delete_login_profile(user.account_id, user.name, actor=current.user),
        "console-password-removed",
        (IdentityError,),
    )


def require_reset(console: Console, request: Request, form: Form) -> Response:
    """UpdateLoginProfile with PasswordResetRequired and no new password."""
    identity = console.services.identity
    return change_user(
        console,
        request,
        form,
        "UpdateLoginProfile",
        lambda user: {},
        lambda current, user: identity.set_password_reset_required(
            user.account_id, user.name, True, actor=current.user
        ),
        "password-reset-required",
        (IdentityError,),
    )
