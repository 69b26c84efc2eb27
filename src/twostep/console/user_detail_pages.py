"""A user's page, as an administrator sees it (the IAM console's user details): the summary (ARN, created, console
access), permissions (attached managed policies, inline policies), groups, and security credentials (console
password, MFA devices, access keys). Each section is listed only when the principal may list it; the actions are
in user_credential_pages.py, user_policy_pages.py and user_delete_pages.py.

A user's page is /users/{name}. User names may be "." or "..", which browsers fold away as path segments: such a
name travels as "~." / "~.." ("~" is no user-name character, so the prefix is never ambiguous)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, Halt, redirect
from twostep.console.user_authorization import listings, refusal
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.signin.models import CurrentSession

NO_SUCH_USER = N_("The user with name %(name)s cannot be found.")
ESCAPE = "~"


def routes(console: Console) -> list[BaseRoute]:
    return [route(console, "/users/{name}", get=show_user)]


def user_url(name: str, *rest: str) -> str:
    """The path of a user's page (or of one of its actions: user_url("alice", "access-keys", "create"))."""
    segment = ESCAPE + name if name in (".", "..") else name
    return "/".join(["/users", quote(segment, safe=""), *rest])


def user_name_of(request: Request) -> str:
    segment = str(request.path_params["name"])
    return segment.removeprefix(ESCAPE)


def signed_in_user(console: Console, request: Request) -> tuple[CurrentSession, User]:
    """The signed-in session and the user the page is about; a refusal if its policies do not allow iam:GetUser on
    that user, or if there is no such user in the account."""
    current = console.signed_in(request)
    name = user_name_of(request)
    refused = refusal(console, request, current, "GetUser", {"UserName": name})
    if refused:
        raise console.refuse(request, refused)
    try:
        return current, console.services.identity.user(current.user.account_id, name)
    except NoSuchUser:
        message = console.gettext(request, NO_SUCH_USER) % {"name": name}
        raise Halt(console.render(request, "error.html", {"message": message}, current=current, status=404)) from None


def acting_on(console: Console, request: Request, form: Form) -> tuple[CurrentSession, User]:
    """For a form of a user's page: the signed-in session, its CSRF token checked (S16), and the user."""
    console.check_session_form(request, form, console.signed_in(request))
    return signed_in_user(console, request)


def sections(console: Console, request: Request, current: CurrentSession, user: User) -> dict[str, Any]:
    """What the page shows of the user: each listing the principal may make, else None (the page says so)."""
    services, account_id = console.services, user.account_id
    may = listings(console, request, current, user.name)
    groups = services.groups.groups_for_user(account_id, user.name) if may["groups"] else None
    attached = services.policies.user_policies.attached(account_id, user.name) if may["attached"] else None
    other_groups = None
    if may["all_groups"]:
        joined = {group.id for group in groups or ()}
        other_groups = [group for group in services.groups.groups(account_id) if group.id not in joined]
    other_policies = None
    if may["all_policies"]:
        held = {policy.arn for policy in attached or ()}
        other_policies = [policy for policy in services.policies.policies(account_id) if policy.arn not in held]
    return {
        "devices": services.mfa.devices_of(user) if may["devices"] else None,
        "keys": services.identity.access_keys(user) if may["keys"] else None,
        "login_profile": may["login_profile"],
        "groups": groups,
        "attached": attached,
        "inline": services.policies.user_policies.names(account_id, user.name) if may["inline"] else None,
        "other_groups": other_groups,
        "other_policies": other_policies,
    }


def detail_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    user: User,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {"user": user, "user_url": user_url, **sections(console, request, current, user)}
    status = status if error is None or status != 200 else 400
    return console.render(request, "user_detail.html", context, current=current, status=status, error=error)


def change_user(
    console: Console,
    request: Request,
    form: Form,
    action: str,
    params: Callable[[User], Mapping[str, Any]],
    change: Callable[[CurrentSession, User], object],
    notice: str,
    failures: tuple[type[Exception], ...],
) -> Response:
    """The shape of a plain action on a user's page: decided as its API action (403 and why, else), made, and back
    to the page with its notice; a domain failure is shown on the page and changes nothing."""
    current, user = acting_on(console, request, form)
    refused = refusal(console, request, current, action, {"UserName": user.name, **params(user)})
    if refused:
        return detail_page(console, request, current, user, error=refused, status=403)
    try:
        change(current, user)
    except failures as failure:
        return detail_page(console, request, current, user, error=console.error(request, failure))
    return redirect(user_url(user.name) + "?notice=" + notice)


def show_user(console: Console, request: Request) -> Response:
    current, user = signed_in_user(console, request)
    return detail_page(console, request, current, user)
