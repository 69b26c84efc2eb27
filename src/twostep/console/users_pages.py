"""Users: the root user, and IAM users whose policies allow it, create IAM users with a console password and
list them."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import Console, Form
from twostep.console.i18n import N_
from twostep.identity.errors import InvalidName, PasswordRejected, UserAlreadyExists
from twostep.policy import access
from twostep.signin.models import CurrentSession

NOT_ALLOWED = N_("Your policies do not allow you to manage users.")
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

    def allowed(request: Request, current: CurrentSession, action: str, resource: str) -> bool:
        """The same identity-policy decision the API makes, in the console session's context: a console
        sign-in is a temporary session, with aws:MultiFactorAuthPresent true when the MFA step was passed."""
        session = access.Session(
            now=services.clock.now(),
            temporary=True,
            mfa_authenticated_at=current.session.mfa_at,
            source_ip=request.client.host if request.client else None,
            secure_transport=request.url.scheme == "https",
        )
        policies = [] if current.user.is_root else services.policies.policies_for(current.user)
        return access.is_allowed(policies, current.user, action, resource, session)

    def users(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        account_id = current.user.account_id
        if not allowed(request, current, "iam:ListUsers", f"arn:aws:iam::{account_id}:user/"):
            raise console.refuse(request, console.gettext(request, NOT_ALLOWED))
        if request.method == "GET":
            return users_page(request, current)
        console.check_session_form(request, form, current)
        name = form.text("name", strip=True)
        if not allowed(request, current, "iam:CreateUser", f"arn:aws:iam::{account_id}:user/{name}"):
            raise console.refuse(request, console.gettext(request, NOT_ALLOWED))
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
