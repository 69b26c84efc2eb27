"""Sign in using alternative factors (docs/recovery.md): from the MFA page's "Having trouble with your MFA
device?". The root user asks for a link mailed to the account's address and, from that link in the same browser,
enters a recovery code; an IAM user enters a recovery code. Either lands in a session that reaches only Security
credentials until a new device is assigned or the lost one removed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import security
from twostep.console.endpoints import route
from twostep.console.error_messages import NO_REASONS, RECOVERY_CODE_WORDING
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, Halt, redirect, signin_page
from twostep.console.signin_pages import signed_in_response, signed_out_response
from twostep.signin.alternative_factors import RecoveryOptions
from twostep.signin.errors import MfaFailed, RecoveryLinkRefused, RecoveryNotOffered, SessionInvalid
from twostep.signin.models import CurrentSession, Stage

RECOVERY = "/signin/recovery"
EMAIL = RECOVERY + "/email"
VERIFY = RECOVERY + "/verify"
LANDING = "/security-credentials?notice=recovery-session"

LINK_REFUSED = {
    "unknown": N_("This sign-in link is not valid."),
    "expired": N_("This sign-in link has expired. Links work for 15 minutes: ask for a new one."),
    "used": N_("This sign-in link was already used, or a newer one was sent. Use the newest link, once."),
    "other-session": N_(
        "This sign-in link belongs to another sign-in. Open it in the browser where you asked for it, or ask for a "
        "new one here."
    ),
}
NO_SIGNIN = N_(
    "This sign-in link works only in the browser where you asked for it, while that sign-in is in progress. Sign "
    "in with your password again and ask for a new link."
)
TOO_MANY_MAILS = N_("Too many sign-in links were asked for. Wait an hour, or ask the operator to reset your MFA.")


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, RECOVERY, get=show_options, post=submit_code, answer_floor=True),
        route(console, EMAIL, post=send_link),
        route(console, VERIFY, get=open_link, post=submit_link_and_code, answer_floor=True),
    ]


def half_signed_in(console: Console, request: Request) -> tuple[CurrentSession, str, RecoveryOptions]:
    current, _devices = console.half_signed_in(request)
    token = security.session_token(request)
    assert token is not None
    try:
        return current, token, console.services.alternative_factors.options(token)
    except SessionInvalid:
        raise Halt(redirect("/signin")) from None


def options_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    options: RecoveryOptions,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "remaining": options.remaining_codes,
        "mail": console.services.notifications is not None,
        "code": "",
    }
    return console.render(request, "signin_recovery.html", context, current=current, status=status, error=error)


def show_options(console: Console, request: Request) -> Response:
    current, _, options = half_signed_in(console, request)
    return options_page(console, request, current, options)


def submit_code(console: Console, request: Request, form: Form) -> Response:
    """An IAM user: a recovery code alone."""
    current, token, _ = half_signed_in(console, request)
    console.check_session_form(request, form, current)
    if current.user.is_root:  # the root user needs the mailed link too
        return redirect(RECOVERY)
    try:
        grant = console.services.alternative_factors.recover(
            token, code=form.text("code", strip=True), source_ip=client_address(request)
        )
    except MfaFailed as failed:
        if failed.ended:  # S12: a lockout ends the half-finished sign-in
            return signed_out_response(request, signin_page(current.user, "mfa-ended"))
        error = console.error(request, failed, RECOVERY_CODE_WORDING, NO_REASONS)
        fresh = console.services.alternative_factors.options(token)
        return options_page(console, request, current, fresh, error, status=400)
    except SessionInvalid:
        return redirect("/signin")
    return signed_in_response(request, grant, LANDING)


# -- the root user: the mailed link, then a recovery code ------------------------------------------------------


def send_link(console: Console, request: Request, form: Form) -> Response:
    current, token, options = half_signed_in(console, request)
    console.check_session_form(request, form, current)
    if not current.user.is_root or console.services.notifications is None:
        return redirect(RECOVERY)
    verify_url = security.own_origin(request) + VERIFY
    try:
        console.services.alternative_factors.request_link(
            token, verify_url=verify_url, source_ip=client_address(request)
        )
    except RecoveryNotOffered:
        error = console.gettext(request, TOO_MANY_MAILS)
        return options_page(console, request, current, options, error, status=429)
    return console.render(request, "signin_recovery_sent.html", {}, current=current)


def link_session(console: Console, request: Request) -> tuple[CurrentSession, str]:
    """The half-signed-in session the link was asked from; anywhere else the link is refused."""
    try:
        current = console.services.signin.current(security.session_token(request), stage=Stage.NEEDS_MFA)
    except SessionInvalid:
        raise console.refuse(request, console.gettext(request, NO_SIGNIN)) from None
    token = security.session_token(request)
    assert token is not None
    return current, token


def refused_link(console: Console, request: Request, refused: RecoveryLinkRefused) -> Halt:
    return console.refuse(request, console.gettext(request, LINK_REFUSED[refused.reason]))


def verify_page(
    console: Console, request: Request, current: CurrentSession, link: str, error: str | None = None
) -> Response:
    status = 400 if error else 200
    context = {"link": link, "code": ""}
    return console.render(request, "signin_recovery_verify.html", context, current=current, status=status, error=error)


def open_link(console: Console, request: Request) -> Response:
    """GET from the mail: checks the link (spends nothing: GET never changes state, S16) and asks for a code."""
    current, token = link_session(console, request)
    link = request.query_params.get("token", "")
    try:
        console.services.alternative_factors.check_link(token, link)
    except RecoveryLinkRefused as refused:
        raise refused_link(console, request, refused) from refused
    return verify_page(console, request, current, link)


def submit_link_and_code(console: Console, request: Request, form: Form) -> Response:
    current, token = link_session(console, request)
    console.check_session_form(request, form, current)
    link = form.text("link")
    try:
        grant = console.services.alternative_factors.recover(
            token, code=form.text("code", strip=True), link_token=link, source_ip=client_address(request)
        )
    except RecoveryLinkRefused as refused:
        raise refused_link(console, request, refused) from refused
    except MfaFailed as failed:
        if failed.ended:
            return signed_out_response(request, signin_page(current.user, "mfa-ended"))
        return verify_page(
            console, request, current, link, console.error(request, failed, RECOVERY_CODE_WORDING, NO_REASONS)
        )
    except SessionInvalid:
        return redirect("/signin")
    return signed_in_response(request, grant, LANDING)
