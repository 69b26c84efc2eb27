"""Passkeys and security keys at the console: the wizard's registration step, the options of both ceremonies
(JSON, fetched by static/passkeys.js with the session's CSRF token), and reading an assertion sent with the MFA
sign-in or the re-authentication form.

Asking for options issues a challenge, a change of state: a POST, like every other. The browser's answers come
back as a form field of JSON, refused with a 400 (nothing evaluated, nothing stored) when it is not a WebAuthn
response or larger than any real one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console.assignment import assigned_response
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, Halt, Reach, redirect
from twostep.console.relying_party import PasskeySupport, passkey_support
from twostep.mfa.errors import DeviceLimitExceeded, InvalidDeviceName, MfaError, NoSuchDevice
from twostep.mfa.models import MfaDevice
from twostep.passkeys import ceremony
from twostep.passkeys.assertions import PresentedPasskey
from twostep.passkeys.errors import MalformedPayload
from twostep.signin.models import CurrentSession

PASSKEY = "passkey"  # the wizard's device type
PASSKEY_KEY = "passkey_enrolment"  # session data: the device name the wizard's first step chose
ASSIGN_PASSKEY = "/security-credentials/mfa/assign/passkey"
SIGNIN_OPTIONS = "/signin/mfa/passkey/options"
REAUTHENTICATION_OPTIONS = "/reauthenticate/passkey/options"
NOT_A_PASSKEY = N_("Choose a passkey or security key.")
NOT_RECENT = N_("Your sign-in is no longer recent. Reload the page and confirm it's you.")


# The wizard is open to a user who must assign a device first and to a session signed in using alternative factors.
WIZARD_REACH = Reach.ENROLMENT | Reach.RECOVERY


class PasskeyNotUsable(Exception):
    """The form's passkey answer cannot be checked here (unreadable, or passkeys unavailable at this address)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, ASSIGN_PASSKEY, get=show_registration, post=submit_registration),
        route(console, ASSIGN_PASSKEY + "/options", post=registration_options),
        route(console, SIGNIN_OPTIONS, post=signin_options),
        route(console, REAUTHENTICATION_OPTIONS, post=reauthentication_options),
    ]


def options_response(options: str) -> Response:
    return Response(options, media_type="application/json", headers={"cache-control": "no-store"})


def refusal(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"cache-control": "no-store"})


def usable_support(console: Console, request: Request) -> PasskeySupport:
    support = passkey_support(console, request)
    if support.rp is None:
        raise Halt(refusal(support.reason or ""))
    return support


# -- the wizard: step 1 hands over here ---------------------------------------------------------------------


def start_registration(console: Console, request: Request, current: CurrentSession, name: str) -> str | None:
    """Step 1 chose Passkey or security key: check the name and the room for a device, remember the name; the
    message of a refusal, None when the registration page may follow."""
    support = passkey_support(console, request)
    if support.rp is None:
        return support.reason
    try:
        console.services.passkeys.check_new(current.user, name)
    except (InvalidDeviceName, DeviceLimitExceeded) as refused:
        return console.error(request, refused)
    console.services.signin.update_data(current.session, {**current.session.data, PASSKEY_KEY: name})
    return None


def registration_session(console: Console, request: Request) -> tuple[CurrentSession, str]:
    current = console.signed_in(request, also=WIZARD_REACH)
    name = current.session.data.get(PASSKEY_KEY)
    if not isinstance(name, str):
        raise Halt(redirect("/security-credentials"))
    console.require_fresh(request, current, ASSIGN_PASSKEY)
    return current, name


def registration_page(
    console: Console, request: Request, current: CurrentSession, name: str, error: str | None = None
) -> Response:
    support = passkey_support(console, request)
    context = {"name": name, "passkey_unavailable": support.reason, "auto": support.available and error is None}
    status = 400 if error else 200
    return console.render(request, "assign_passkey.html", context, current=current, status=status, error=error)


def show_registration(console: Console, request: Request) -> Response:
    current, name = registration_session(console, request)
    return registration_page(console, request, current, name)


def submit_registration(console: Console, request: Request, form: Form) -> Response:
    current, name = registration_session(console, request)
    console.check_session_form(request, form, current)
    support = passkey_support(console, request)
    if support.rp is None:
        return registration_page(console, request, current, name, support.reason)
    try:
        response = ceremony.read_registration(form.text("credential", limit=ceremony.MAX_PAYLOAD_CHARACTERS))
        device = console.services.passkeys.register(
            current.session.id_hash, current.user, name, response, support.rp, source_ip=client_address(request)
        )
    except MfaError as refused:
        return registration_page(console, request, current, name, console.error(request, refused))
    return assigned_response(console, request, current, PASSKEY_KEY, device.id, "passkey-assigned")


def registration_options(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request, also=WIZARD_REACH)
    console.check_session_form(request, form, current)
    if not isinstance(current.session.data.get(PASSKEY_KEY), str):
        return refusal(console.gettext(request, NOT_A_PASSKEY), status=409)
    if not console.services.signin.is_fresh(current):
        return refusal(console.gettext(request, NOT_RECENT), status=403)
    rp = usable_support(console, request).rp
    assert rp is not None
    return options_response(console.services.passkeys.registration_options(current.session.id_hash, current.user, rp))


# -- assertions: the MFA sign-in and re-authentication --------------------------------------------------------


def assertion_options(console: Console, request: Request, form: Form, current: CurrentSession) -> Response:
    console.check_session_form(request, form, current)
    rp = usable_support(console, request).rp
    assert rp is not None
    try:
        options = console.services.passkeys.assertion_options(
            current.session.id_hash, current.user, form.text("device"), rp
        )
    except NoSuchDevice:
        return refusal(console.gettext(request, NOT_A_PASSKEY))
    return options_response(options)


def signin_options(console: Console, request: Request, form: Form) -> Response:
    return assertion_options(console, request, form, console.half_signed_in(request)[0])


def reauthentication_options(console: Console, request: Request, form: Form) -> Response:
    reach = Reach.ENROLMENT | Reach.PASSWORD_CHANGE  # re-authentication's (session_pages.REAUTHENTICATION_REACH)
    return assertion_options(console, request, form, console.signed_in(request, also=reach))


def presented_passkey(console: Console, request: Request, form: Form) -> PresentedPasskey:
    """The assertion the form carries, parsed, with this request's relying party; PasskeyNotUsable otherwise."""
    support = passkey_support(console, request)
    if support.rp is None:
        raise PasskeyNotUsable(support.reason or "")
    try:
        assertion = ceremony.read_assertion(form.text("assertion", limit=ceremony.MAX_PAYLOAD_CHARACTERS))
    except MalformedPayload as malformed:
        raise PasskeyNotUsable(console.error(request, malformed)) from malformed
    return PresentedPasskey(assertion, support.rp)


def prompt_context(
    console: Console, request: Request, devices: list[MfaDevice], selected: MfaDevice, *, auto: bool
) -> dict[str, object]:
    """What the device picker's pages add for passkeys: whether the chosen device is one, why passkeys cannot be
    used here (when the user has one), and whether the browser's prompt starts by itself."""
    support = passkey_support(console, request) if any(d.is_passkey for d in devices) else None
    return {
        "passkey_selected": selected.is_passkey,
        "passkey_unavailable": support.reason if support is not None else None,
        "passkey_auto": auto and selected.is_passkey and support is not None and support.available,
    }
