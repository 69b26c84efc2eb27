"""Users: the root user creates IAM users with a console password and lists them."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import Console, Form
from twostep.console.i18n import N_
from twostep.identity.errors import InvalidName, PasswordRejected, UserAlreadyExists
from twostep.signin.service import CurrentSession

ROOT_ONLY = N_("Only the root user manages users in this console.")
USER_EXISTS = N_("A user with this name already exists.")
# Messages of the identity service shown on this page, listed so that they are translated too.
SERVICE_MESSAGES = (
    N_("User names use 1 to 64 letters, digits and + = , . @ _ - characters."),
    N_("Password should have at least 8 characters."),
    N_("Password should have at most 128 characters."),
    N_("Password is too common; choose one that is harder to guess."),
)


def routes(console: Console) -> list[BaseRoute]:
    services = console.services

    def users_page(request: Request, current: CurrentSession, name: str = "", error: str | None = None) -> Response:
        account_id = current.user.account_id
        users = services.identity.users(account_id)
        devices = Counter(d.user_id for d in services.mfa.devices_in_account(account_id, assigned=True))
        context = {
            "users": [(user, devices[user.id]) for user in users],
            "name": name,
            "signin_url": f"{security.own_origin(request)}/signin/iam?account={account_id}",
        }
        status = 400 if error else 200
        return console.render(request, "users.html", context, current=current, status=status, error=error)

    def users(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        if not current.user.is_root:
            raise console.refuse(request, console.gettext(request, ROOT_ONLY))
        if request.method == "GET":
            return users_page(request, current)
        console.check_session_form(request, form, current)
        name = form.text("name", strip=True)
        try:
            services.identity.create_user(
                current.user.account_id, name, actor=current.user, password=form.text("password")
            )
        except (InvalidName, PasswordRejected) as refused:
            return users_page(request, current, name, console.gettext(request, str(refused)))
        except UserAlreadyExists:
            return users_page(request, current, name, console.gettext(request, USER_EXISTS))
        return console.redirect("/users?notice=user-created")

    return [Route("/users", console.page(users), methods=["GET", "POST"])]
