"""A signed-in session's own pages: re-authentication before MFA changes (S17), sign-out, sign-out everywhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import error_messages, security
from twostep.console.endpoints import route
from twostep.console.enrolment_pages import discard_enrolment
from twostep.console.error_messages import NO_WORDING
from twostep.console.forms import Form
from twostep.console.pages import Console, Reach, redirect, signin_page
from twostep.console.passkey_pages import PasskeyNotUsable, presented_passkey, prompt_context
from twostep.console.signin_pages import chosen_device, signed_in_response, signed_out_response
from twostep.mfa.models import MfaDevice
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import CurrentSession, Stage

DEFAULT_TARGET = "/security-credentials"
# Re-authentication serves the wizard of a user who must assign an MFA device first, and the Change password page of
# one who must choose a new password first, when either outlasts the fresh window.
REAUTHENTICATION_REACH = Reach.ENROLMENT | Reach.PASSWORD_CHANGE


def routes(console: Console) -> list[BaseRoute]:
    return [
        # Checks a password and a code: answered no sooner than the floor (S13).
        route(console, "/reauthenticate", get=show_reauthenticate, post=submit_reauthenticate, answer_floor=True),
        route(console, "/signout", post=sign_out),
        route(console, "/signout-everywhere", post=sign_out_everywhere),
    ]


# -- re-authentication (S17) ----------------------------------------------------------------------------------


def next_target(request: Request) -> str:
    return security.local_path(request.query_params.get("next", ""), DEFAULT_TARGET)


def reauthenticate_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    devices: list[MfaDevice],
    selected: str,
    error: str | None = None,
) -> Response:
    context: dict[str, object] = {"devices": devices, "selected": selected, "next": next_target(request)}
    chosen = next((d for d in devices if d.id == selected), devices[0] if devices else None)
    if chosen is not None:
        context.update(prompt_context(console, request, devices, chosen, auto=False))
    status = 400 if error else 200
    return console.render(request, "reauthenticate.html", context, current=current, status=status, error=error)


# A user who must assign an MFA device first re-authenticates (with the password) when the wizard outlasts the
# fresh window.


def show_reauthenticate(console: Console, request: Request) -> Response:
    current = console.signed_in(request, also=REAUTHENTICATION_REACH)
    devices = console.services.mfa.devices_of(current.user)
    return reauthenticate_page(console, request, current, devices, devices[0].id if devices else "")


def submit_reauthenticate(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request, also=REAUTHENTICATION_REACH)
    devices = console.services.mfa.devices_of(current.user)
    console.check_session_form(request, form, current)
    device = chosen_device(devices, form)
    token = security.session_token(request)
    assert token is not None
    selected = device.id if device else ""
    try:
        passkey = presented_passkey(console, request, form) if device is not None and device.is_passkey else None
        grant = console.services.signin.reauthenticate(
            token,
            password=form.text("password"),
            device_id=device.id if device else None,
            code=form.text("code"),
            source_ip=client_address(request),
            passkey=passkey,
        )
    except PasskeyNotUsable as unusable:  # nothing was evaluated, the password included
        return reauthenticate_page(console, request, current, devices, selected, unusable.message)
    except (SignInFailed, MfaFailed) as failed:
        wording = error_messages.PASSKEY_WORDING if device is not None and device.is_passkey else NO_WORDING
        message = console.error(request, failed, wording)
        return reauthenticate_page(console, request, current, devices, selected, message)
    except SessionInvalid:
        return redirect("/signin")
    return signed_in_response(request, grant, next_target(request))


# -- sign-out -------------------------------------------------------------------------------------------------


def any_session(console: Console, request: Request) -> CurrentSession | None:
    token = security.session_token(request)
    for stage in (Stage.SIGNED_IN, Stage.RECOVERY, Stage.NEEDS_MFA):
        try:
            return console.services.signin.current(token, stage=stage)
        except SessionInvalid:
            continue
    return None


def sign_out(console: Console, request: Request, form: Form) -> Response:
    current = any_session(console, request)
    if current is None:  # nothing to end: an expired session needs no token check
        return signed_out_response(request, signin_page(None, "signed-out"))
    console.check_session_form(request, form, current)
    discard_enrolment(console, current)
    console.services.signin.sign_out(security.session_token(request))
    return signed_out_response(request, signin_page(current.user, "signed-out"))


def sign_out_everywhere(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request, also=Reach.ENROLMENT | Reach.RECOVERY | Reach.PASSWORD_CHANGE)
    console.check_session_form(request, form, current)
    discard_enrolment(console, current)
    console.services.signin.sign_out_everywhere(current.user)
    return signed_out_response(request, signin_page(current.user, "signed-out-everywhere"))
