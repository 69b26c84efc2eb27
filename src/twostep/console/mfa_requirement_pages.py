"""The root user's toggle on Security credentials: "Require MFA for all console users", with an optional grace
period (the same setting as `twostep account set --require-mfa`). The root user itself always needs MFA."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.identity.account_settings import MAX_GRACE_DAYS

REQUIRE_MFA = "/security-credentials/require-mfa"
ROOT_ONLY = N_("Only the root user changes the account's MFA requirement.")
BAD_GRACE = N_("The grace period is a whole number of days from 0 to 365.")


def routes(console: Console) -> list[BaseRoute]:
    return [route(console, REQUIRE_MFA, post=save)]


def save(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request)
    console.check_session_form(request, form, current)
    if not current.user.is_root:
        raise console.refuse(request, console.gettext(request, ROOT_ONLY))
    console.require_fresh(request, current, "/security-credentials")
    required = form.text("require_mfa") == "on"
    days = form.text("grace_days", strip=True) or "0"
    if not days.isascii() or not days.isdigit() or int(days) > MAX_GRACE_DAYS:
        raise console.refuse(request, console.gettext(request, BAD_GRACE), status=400)
    console.services.identity.set_mfa_requirement(
        current.user.account_id, required, grace_days=int(days), actor=current.user
    )
    return redirect("/security-credentials?notice=mfa-requirement-saved")
