"""The "Assign MFA device" wizard: device name and type, then the QR code / secret key and two codes.

The device is created when the first step is submitted and its id kept in the session; Cancel, a new wizard
and signing out discard it. Once Add MFA succeeds the seed is never shown again (S21).

The wizard keeps to the pace of someone installing an authenticator app (issue 16, item 4): the fresh proof S17
asks for is measured from the wizard's start, for SignInSettings.enrolment_window; "Previous" renames the device and
keeps its seed; when re-authentication is needed after all, the codes typed in step 2 are kept in the session and
filled in again afterwards, with the same secret.
"""

from __future__ import annotations

import re

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import error_messages
from twostep.console.assignment import assigned_response
from twostep.console.authenticator_apps import COMPATIBLE_APPS
from twostep.console.endpoints import route
from twostep.console.forms import Form, two_codes
from twostep.console.hardware_pages import HARDWARE
from twostep.console.i18n import N_
from twostep.console.pages import Console, Halt, Reach, redirect
from twostep.console.passkey_pages import ASSIGN_PASSKEY, PASSKEY, start_registration
from twostep.console.relying_party import passkey_support
from twostep.mfa.errors import (
    CodeRejected,
    DeviceAlreadyExists,
    DeviceInUse,
    DeviceLimitExceeded,
    InvalidDeviceName,
    NoSuchDevice,
)
from twostep.mfa.models import MAX_DEVICES_PER_USER
from twostep.mfa.new_devices import DEVICE_NAME
from twostep.otp import base32_secret, key_uri, qr_svg
from twostep.signin.models import CurrentSession

ENROLMENT_KEY = "enrolment"  # session data: the id of the device this wizard created
STARTED_KEY = "enrolment_started_at"  # session data: when the wizard started, with a fresh proof (S17)
CODES_KEY = "enrolment_codes"  # session data: step 2's codes, typed when re-authentication was needed
WIZARD_KEYS = (ENROLMENT_KEY, STARTED_KEY, CODES_KEY)
KEEP_SECRET = "secret"  # step 1's hidden "keep" field when reached by Previous: rename, keep the seed
SIX_DIGITS = re.compile(r"[0-9]{6}")
AUTHENTICATOR_APP = "authenticator-app"
HARDWARE_TOTP = "hardware-totp"
ASSIGN = "/security-credentials/mfa/assign"
SETUP = ASSIGN + "/setup"
CANCEL = ASSIGN + "/cancel"
# A user who must assign a device first, and a session signed in using alternative factors, reach the wizard.
WIZARD_REACH = Reach.ENROLMENT | Reach.RECOVERY
TOO_MANY = N_("You already have 8 MFA devices, the most a user can have. Remove one before you assign another.")
CHOOSE_TYPE = N_("Choose a device type.")


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, ASSIGN, get=show_assign, post=submit_assign),
        route(console, SETUP, get=show_setup, post=submit_setup),
        route(console, CANCEL, post=cancel),
    ]


def unfinished_device_id(current: CurrentSession) -> str | None:
    value = current.session.data.get(ENROLMENT_KEY)
    return value if isinstance(value, str) else None


def wizard_started_at(current: CurrentSession) -> float | None:
    """When the session's wizard started (with a fresh proof), while it has its device."""
    value = current.session.data.get(STARTED_KEY)
    if unfinished_device_id(current) is None or not isinstance(value, int | float):
        return None
    return float(value)


def kept_codes(current: CurrentSession) -> tuple[str, str]:
    value = current.session.data.get(CODES_KEY)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(code, str) for code in value):
        return value[0], value[1]
    return "", ""


def forget(console: Console, current: CurrentSession, *keys: str) -> None:
    if any(key in current.session.data for key in keys):
        data = {k: v for k, v in current.session.data.items() if k not in keys}
        console.services.signin.update_data(current.session, data)


def discard_enrolment(console: Console, current: CurrentSession) -> None:
    """Delete the device an unfinished wizard created (no orphan is left) and forget it."""
    device_id = unfinished_device_id(current)
    if device_id is not None:
        console.services.mfa.discard_unfinished(current.user.account_id, device_id, current.user)
    forget(console, current, *WIZARD_KEYS)


# -- first step: name and type --------------------------------------------------------------------------------


def assign_session(console: Console, request: Request) -> tuple[CurrentSession, bool]:
    """The signed-in session, freshly authenticated (S17), and whether the user already has the most devices."""
    current = console.signed_in(request, also=WIZARD_REACH)
    console.require_fresh(request, current, ASSIGN, wizard_started_at=wizard_started_at(current))
    return current, len(console.services.mfa.devices_of(current.user)) >= MAX_DEVICES_PER_USER


def type_choices(console: Console, request: Request, chosen: str = "") -> dict[str, object]:
    """Step 1's device types, in AWS's order: Passkey or security key (disabled, with its reason, where passkeys
    cannot work), Authenticator app,
    Hardware TOTP token (a token of the account's pool: hardware_pages.py). The first usable one is preselected."""
    support = passkey_support(console, request)
    default = PASSKEY if support.available else AUTHENTICATOR_APP
    return {"selected_type": chosen or default, "passkey_unavailable": support.reason}


def show_assign(console: Console, request: Request) -> Response:
    current, full = assign_session(console, request)
    context = {"name": "", "full": full, "keep": "", **type_choices(console, request)}
    device_id = unfinished_device_id(current)
    if request.query_params.get("back") and device_id is not None:  # Previous: the wizard's device, to rename
        try:
            device, _ = console.services.mfa.enrolment_seed(current.user.account_id, device_id, current.user)
        except NoSuchDevice:
            pass
        else:
            context.update(name=device.name, keep=KEEP_SECRET, **type_choices(console, request, AUTHENTICATOR_APP))
    warning = console.gettext(request, TOO_MANY) if full else None
    return console.render(request, "assign_device.html", context, current=current, error=warning)


def submit_assign(console: Console, request: Request, form: Form) -> Response:
    current, full = assign_session(console, request)
    console.check_session_form(request, form, current)
    name, device_type = form.text("name", strip=True), form.text("device_type")
    keep = form.text("keep") == KEEP_SECRET
    context = {"name": name, "full": full, "keep": form.text("keep"), **type_choices(console, request, device_type)}
    if full:
        error = console.gettext(request, TOO_MANY)
    elif device_type == PASSKEY:
        discard_enrolment(console, current)  # an unfinished authenticator-app device goes
        refused = start_registration(console, request, console.signed_in(request, also=WIZARD_REACH), name)
        if refused is None:
            return redirect(ASSIGN_PASSKEY)
        error = refused
    elif device_type == HARDWARE_TOTP:
        if DEVICE_NAME.fullmatch(name):  # a token is known by its serial; the name is checked as AWS checks it
            discard_enrolment(console, current)
            return redirect(HARDWARE)
        error = console.error(request, InvalidDeviceName(name))
    elif device_type != AUTHENTICATOR_APP:
        error = console.gettext(request, CHOOSE_TYPE)
    elif keep and unfinished_device_id(current) is not None:
        return renamed(console, request, current, name, context)
    else:
        # A proof fresh now starts the wizard's window; one accepted only within an earlier wizard's window keeps
        # that wizard's start (S17: the window never stretches past the proof).
        fresh = console.services.signin.is_fresh(current)
        started = console.services.clock.now() if fresh else wizard_started_at(current)
        discard_enrolment(console, current)  # starting again drops the previous unfinished device
        current = console.signed_in(request, also=WIZARD_REACH)
        try:
            new = console.services.mfa.start_enrolment(current.user, name)
        except (InvalidDeviceName, DeviceAlreadyExists) as refused:
            error = console.error(request, refused)
        else:
            data = {**current.session.data, ENROLMENT_KEY: new.device.id, STARTED_KEY: started}
            console.services.signin.update_data(current.session, data)
            return redirect(SETUP)
    return console.render(request, "assign_device.html", context, current=current, status=400, error=error)


def renamed(
    console: Console, request: Request, current: CurrentSession, name: str, context: dict[str, object]
) -> Response:
    """Previous, then Next with an authenticator app: the same device under the new name, the same seed."""
    device_id = unfinished_device_id(current)
    assert device_id is not None
    try:
        before, _ = console.services.mfa.enrolment_seed(current.user.account_id, device_id, current.user)
        after = console.services.mfa.rename_unfinished(current.user, device_id, name)
    except NoSuchDevice:
        return device_gone(console, current)
    except (InvalidDeviceName, DeviceAlreadyExists) as refused:
        error = console.error(request, refused)
        return console.render(request, "assign_device.html", context, current=current, status=400, error=error)
    return redirect(SETUP + ("?notice=device-renamed" if after.name != before.name else ""))


# -- second step: the seed and two codes ----------------------------------------------------------------------


def setup_session(console: Console, request: Request, form: Form | None = None) -> tuple[CurrentSession, str]:
    """The signed-in session, freshly authenticated for the wizard (S17), and the id of its wizard's device;
    without one, back to Security credentials. With the submitted form (its tokens checked), codes typed when
    re-authentication is needed are kept for the step's page afterwards."""
    current = console.signed_in(request, also=WIZARD_REACH)
    device_id = unfinished_device_id(current)
    if device_id is None:
        raise Halt(redirect("/security-credentials"))
    started = wizard_started_at(current)
    if form is not None:
        console.check_session_form(request, form, current)
        if not console.services.signin.is_fresh(current, wizard_started_at=started):
            codes = [form.text("code1", strip=True), form.text("code2", strip=True)]
            if all(SIX_DIGITS.fullmatch(code) for code in codes):
                console.services.signin.update_data(current.session, {**current.session.data, CODES_KEY: codes})
    console.require_fresh(request, current, SETUP, wizard_started_at=started)
    return current, device_id


def setup_page(
    console: Console, request: Request, current: CurrentSession, device_id: str, error: str | None = None
) -> Response:
    user = current.user
    device, seed = console.services.mfa.enrolment_seed(user.account_id, device_id, user)
    uri = key_uri(seed, issuer=console.services.settings.issuer, label=f"{device.name}@{user.account_id}")
    title = console.gettext(request, N_("QR code for your authenticator app"))
    code1, code2 = kept_codes(current)
    context = {
        "device": device,
        "qr": Markup(qr_svg(uri, title=title)),  # noqa: S704 - segno's own SVG, the URI escaped inside it
        "secret": base32_secret(seed),
        "key_uri": uri,  # "Open in authenticator app", for a user on the phone itself
        "app_groups": COMPATIBLE_APPS,
        "code1_value": code1,
        "code2_value": code2,
        "codes_kept": bool(code1) and error is None,
    }
    status = 400 if error else 200
    return console.render(request, "assign_setup.html", context, current=current, status=status, error=error)


def device_gone(console: Console, current: CurrentSession) -> Response:
    """The wizard's device was discarded or assigned meanwhile: its seed is gone for good."""
    discard_enrolment(console, current)
    return redirect("/security-credentials")


def show_setup(console: Console, request: Request) -> Response:
    current, device_id = setup_session(console, request)
    try:
        return setup_page(console, request, current, device_id)
    except NoSuchDevice:
        return device_gone(console, current)


def submit_setup(console: Console, request: Request, form: Form) -> Response:
    current, device_id = setup_session(console, request, form)
    forget(console, current, CODES_KEY)  # kept codes are used once, by this submission
    current = console.signed_in(request, also=WIZARD_REACH)
    mfa = console.services.mfa
    try:
        device, _ = mfa.enrolment_seed(current.user.account_id, device_id, current.user)
        try:
            mfa.enable(
                current.user, device.serial, *two_codes(form), actor=current.user, source_ip=client_address(request)
            )
        except CodeRejected as rejected:
            error = console.error(request, rejected, error_messages.TWO_NEW_CODES)
            return setup_page(console, request, current, device_id, error)
        except (DeviceInUse, DeviceLimitExceeded) as refused:
            return setup_page(console, request, current, device_id, console.error(request, refused))
    except NoSuchDevice:
        return device_gone(console, current)
    # The device is assigned now and the change ended the user's sessions (S18): this one continues under a new
    # id, without the wizard's device (and shows the recovery codes owed for a first device).
    return assigned_response(console, request, current, WIZARD_KEYS, device.id)


# -- cancel ---------------------------------------------------------------------------------------------------


def cancel(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request, also=WIZARD_REACH)
    console.check_session_form(request, form, current)
    discard_enrolment(console, current)
    return redirect("/security-credentials")
