"""Users: the root user, and IAM users whose policies allow it, create IAM users with a console password, list them
with their MFA devices, and deactivate a user's device (a lost phone) with a fresh MFA proof of their own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import security
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.console.user_credential_pages import deactivation_refused
from twostep.console.user_detail_pages import user_url
from twostep.identity.errors import InvalidName, NoSuchUser, PasswordRejected, UserAlreadyExists
from twostep.mfa.errors import MfaError
from twostep.mfa.models import MfaDevice
from twostep.signin.models import CurrentSession

NOT_ALLOWED = N_("Your policies do not allow you to manage users.")
DEACTIVATE = "/users/mfa/deactivate"


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, "/users", get=show_users, post=create_user),
        route(console, DEACTIVATE, post=deactivate_device),
    ]


def may_manage_users(console: Console, request: Request) -> CurrentSession:
    """The signed-in session, if its policies allow iam:ListUsers; else a refusal."""
    current = console.signed_in(request)
    if not console.allows(request, current, "ListUsers", {}):
        raise console.refuse(request, console.gettext(request, NOT_ALLOWED))
    return current


def users_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    name: str = "",
    error: str | None = None,
    status: int = 400,
) -> Response:
    account_id = current.user.account_id
    users = console.services.identity.users(account_id)
    devices: dict[str, list[MfaDevice]] = {}
    for device in console.services.mfa.devices_in_account(account_id, assigned=True):
        devices.setdefault(device.user_id or "", []).append(device)
    context = {
        "users": [(user, devices.get(user.id, [])) for user in users],
        "name": name,
        "user_url": user_url,
        "signin_url": f"{security.own_origin(request)}/signin/iam?account={account_id}",
    }
    return console.render(request, "users.html", context, current=current, status=status if error else 200, error=error)


def show_users(console: Console, request: Request) -> Response:
    return users_page(console, request, may_manage_users(console, request))


def create_user(console: Console, request: Request, form: Form) -> Response:
    current = may_manage_users(console, request)
    console.check_session_form(request, form, current)
    account_id = current.user.account_id
    name = form.text("name", strip=True)
    if not console.allows(request, current, "CreateUser", {"UserName": name}):
        raise console.refuse(request, console.gettext(request, NOT_ALLOWED))
    try:
        console.services.identity.create_user(
            account_id,
            name,
            actor=current.user,
            password=form.text("password"),
            password_reset_required=form.text("password_reset_required") == "on",
        )
    except (InvalidName, PasswordRejected, UserAlreadyExists) as refused:
        return users_page(console, request, current, name, console.error(request, refused))
    return redirect("/users?notice=user-created")


def deactivate_device(console: Console, request: Request, form: Form) -> Response:
    """An administrator (iam:DeactivateMFADevice on the user) deactivates one of a user's devices, as
    DeactivateMFADevice does, after proving their own MFA within minutes (S17): re-authentication if it is older.
    The same rule as on the user's page (user_credential_pages.deactivation_refused)."""
    current = may_manage_users(console, request)
    console.check_session_form(request, form, current)
    name, serial = form.text("user_name", strip=True), form.text("serial", strip=True)
    refused = deactivation_refused(console, request, current, name, serial, "/users")
    if refused:
        status = 400 if console.allows(request, current, "DeactivateMFADevice", {"UserName": name}) else 403
        return users_page(console, request, current, error=refused, status=status)
    try:
        user = console.services.identity.user(current.user.account_id, name)
        console.services.mfa.deactivate(user, serial, actor=current.user, source_ip=client_address(request))
    except (NoSuchUser, MfaError) as refused_change:
        return users_page(console, request, current, error=console.error(request, refused_change))
    return redirect("/users?notice=device-deactivated")
