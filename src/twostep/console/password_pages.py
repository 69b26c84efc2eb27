"""Change password (Security credentials): the current password, the new one twice, the password policy shown. The
page a user whose login profile says PasswordResetRequired is sent to after signing in, before anything else.

The current password is checked by the sign-in's own guarded check (SignInService.change_password); an IAM user
needs iam:ChangePassword on themselves, decided as the API decides it (awsapi.authorization.decide_action).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import PASSWORD_PAGE, Console, Reach
from twostep.console.signin_pages import signed_in_response
from twostep.identity.errors import NoLoginProfile, PasswordRejected
from twostep.signin.errors import SignInFailed
from twostep.signin.models import CurrentSession

# The page is open to a user who must choose a new password; one who must assign an MFA device first (the root user's
# first sign-in) does that first, as everywhere.
REACH = Reach.PASSWORD_CHANGE
NOT_ALLOWED = N_(
    "Your policies do not allow you to change your password. Ask an administrator to allow iam:ChangePassword."
)
MISMATCH = N_("The new passwords do not match. Type the same new password twice.")
CURRENT_REFUSED = N_("The current password is not correct. Check it and try again in a few seconds.")


def routes(console: Console) -> list[BaseRoute]:
    # Checks a password: answered no sooner than the floor (S13).
    return [route(console, PASSWORD_PAGE, get=show, post=submit, answer_floor=True)]


def may_change(console: Console, request: Request, current: CurrentSession) -> bool:
    """The root user always; an IAM user as the API decides iam:ChangePassword on their own ARN (the account's
    AllowUsersToChangePassword and a required change count as an Allow, short of an explicit Deny)."""
    return current.user.is_root or console.allows(request, current, "ChangePassword", {})


def password_session(console: Console, request: Request) -> CurrentSession:
    current = console.signed_in(request, also=REACH)
    if not may_change(console, request, current):
        raise console.refuse(request, console.gettext(request, NOT_ALLOWED))
    console.require_fresh(request, current, PASSWORD_PAGE, password_on_form=True)
    return current


def page(console: Console, request: Request, current: CurrentSession, error: str | None = None) -> Response:
    policy = console.services.signin.password_policy
    context: dict[str, Any] = {
        "required": current.user.password_reset_required,
        "min_length": policy.min_length,
        "max_length": policy.max_length,
    }
    status = 400 if error else 200
    return console.render(request, "change_password.html", context, current=current, status=status, error=error)


def show(console: Console, request: Request) -> Response:
    return page(console, request, password_session(console, request))


def submit(console: Console, request: Request, form: Form) -> Response:
    current = password_session(console, request)
    console.check_session_form(request, form, current)
    new_password = form.text("new_password")
    if new_password != form.text("confirm_password"):  # nothing is evaluated, nothing counted
        return page(console, request, current, console.gettext(request, MISMATCH))
    try:
        grant = console.services.signin.change_password(
            current.user,
            old_password=form.text("current_password"),
            new_password=new_password,
            source_ip=client_address(request),
            keep=current.session,
        )
    except SignInFailed:
        return page(console, request, current, console.gettext(request, CURRENT_REFUSED))
    except (PasswordRejected, NoLoginProfile) as refused:
        return page(console, request, current, console.error(request, refused))
    assert grant is not None
    # A required change leads on to where the sign-in was going; a chosen one back to Security credentials.
    target = "/console" if current.user.password_reset_required else "/security-credentials"
    return signed_in_response(request, grant, target + "?notice=password-updated")
