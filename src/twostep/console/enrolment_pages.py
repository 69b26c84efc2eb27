"""The "Assign MFA device" wizard: device name and type, then the QR code / secret key and two codes.

The device is created when the first step is submitted and its id kept in the session; Cancel, a new wizard
and signing out discard it. Once Add MFA succeeds the seed is never shown again (S21).
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import Console, Form
from twostep.console.i18n import N_
from twostep.identity.models import User
from twostep.mfa.errors import (
    CodeRejected,
    DeviceAlreadyExists,
    DeviceInUse,
    DeviceLimitExceeded,
    InvalidDeviceName,
    NoSuchDevice,
)
from twostep.mfa.models import MAX_DEVICES_PER_USER, device_serial
from twostep.mfa.service import NewDevice
from twostep.otp import base32_secret, key_uri, qr_svg
from twostep.signin.models import CurrentSession

ENROLMENT_KEY = "enrolment"  # session data: the id of the device this wizard created
AUTHENTICATOR_APP = "authenticator-app"
ASSIGN = "/security-credentials/mfa/assign"
SETUP = ASSIGN + "/setup"
CANCEL = ASSIGN + "/cancel"
COMPATIBLE_APPS = (
    "Google Authenticator",
    "Microsoft Authenticator",
    "Duo Mobile",
    "Twilio Authy",
    "1Password",
    "Bitwarden",
    "FreeOTP",
    "Aegis Authenticator",
)
NAME_TAKEN = N_("An MFA device with this name already exists in this account. Choose another name.")
TOO_MANY = N_("You already have 8 MFA devices, the most a user can have. Remove one before you assign another.")
CHOOSE_TYPE = N_("Choose a device type.")
CODES_REJECTED = N_(
    "The MFA codes are not valid. Enter the code your app shows as MFA code 1, "
    "wait for the next code and enter it as MFA code 2."
)
# Messages of the MFA service shown on this page, listed so that they are translated too.
SERVICE_MESSAGES = (
    N_("Device names use 1 to 226 letters, digits and + = , . @ _ - characters."),
    N_("MFA Device is already in use."),
    N_("Cannot exceed quota for MfaDevicesPerUser: 8"),
)


def unfinished_device_id(current: CurrentSession) -> str | None:
    value = current.session.data.get(ENROLMENT_KEY)
    return value if isinstance(value, str) else None


def discard_enrolment(console: Console, current: CurrentSession) -> None:
    """Delete the device an unfinished wizard created (no orphan is left) and forget it."""
    device_id = unfinished_device_id(current)
    if device_id is not None:
        console.services.mfa.discard_unfinished(current.user.account_id, device_id, current.user)
    if ENROLMENT_KEY in current.session.data:
        data = {k: v for k, v in current.session.data.items() if k != ENROLMENT_KEY}
        console.services.signin.update_data(current.session, data)


def routes(console: Console) -> list[BaseRoute]:
    services = console.services
    mfa = services.mfa

    def create_device(user: User, name: str) -> NewDevice:
        try:
            return mfa.create_virtual_device(user.account_id, name, actor=user)
        except DeviceAlreadyExists:
            # The user's own leftover from a wizard that never finished (closed browser, expired session):
            # discard it and start afresh with a new seed (S7). Anyone else's device keeps its name.
            try:
                leftover = mfa.device(user.account_id, device_serial(user.account_id, "/", name))
            except NoSuchDevice:  # gone meanwhile
                return mfa.create_virtual_device(user.account_id, name, actor=user)
            if leftover.assigned or leftover.created_by != user.id:
                raise
            mfa.discard_unfinished(user.account_id, leftover.id, user)
            return mfa.create_virtual_device(user.account_id, name, actor=user)

    def assign(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        console.require_fresh(request, current, ASSIGN)
        full = len(mfa.devices_of(current.user)) >= MAX_DEVICES_PER_USER
        context: dict[str, object] = {"name": "", "full": full, "device_type": AUTHENTICATOR_APP}
        if request.method == "GET":
            warning = console.gettext(request, TOO_MANY) if full else None
            return console.render(request, "assign_device.html", context, current=current, error=warning)
        console.check_session_form(request, form, current)
        name = form.text("name", strip=True)
        context["name"] = name
        error: str | None = None
        if full:
            error = TOO_MANY
        elif form.text("device_type") != AUTHENTICATOR_APP:
            error = CHOOSE_TYPE
        else:
            discard_enrolment(console, current)  # starting again drops the previous unfinished device
            current = console.signed_in(request)
            try:
                new = create_device(current.user, name)
            except InvalidDeviceName as invalid:
                error = str(invalid)
            except DeviceAlreadyExists:
                error = NAME_TAKEN
            else:
                services.signin.update_data(current.session, {**current.session.data, ENROLMENT_KEY: new.device.id})
                return console.redirect(SETUP)
        message = console.gettext(request, error)
        return console.render(request, "assign_device.html", context, current=current, status=400, error=message)

    def setup_page(request: Request, current: CurrentSession, device_id: str, error: str | None = None) -> Response:
        user = current.user
        device, seed = mfa.enrolment_seed(user.account_id, device_id, user)
        uri = key_uri(seed, issuer=services.settings.issuer, label=f"{device.name}@{user.account_id}")
        title = console.gettext(request, N_("QR code for your authenticator app"))
        context = {
            "device": device,
            "qr": Markup(qr_svg(uri, title=title)),  # noqa: S704 - segno's own SVG, the URI escaped inside it
            "secret": base32_secret(seed),
            "apps": COMPATIBLE_APPS,
        }
        status = 400 if error else 200
        return console.render(request, "assign_setup.html", context, current=current, status=status, error=error)

    def setup(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        device_id = unfinished_device_id(current)
        if device_id is None:
            return console.redirect("/security-credentials")
        console.require_fresh(request, current, SETUP)
        try:
            if request.method == "GET":
                return setup_page(request, current, device_id)
            console.check_session_form(request, form, current)
            device, _ = mfa.enrolment_seed(current.user.account_id, device_id, current.user)
            try:
                mfa.enable(
                    current.user,
                    device.serial,
                    form.text("code1"),
                    form.text("code2"),
                    actor=current.user,
                    source_ip=request.client.host if request.client else None,
                )
            except CodeRejected:
                return setup_page(request, current, device_id, console.gettext(request, CODES_REJECTED))
            except (DeviceInUse, DeviceLimitExceeded) as refused:
                return setup_page(request, current, device_id, console.gettext(request, str(refused)))
        except NoSuchDevice:  # discarded or assigned meanwhile: the seed is gone for good
            discard_enrolment(console, current)
            return console.redirect("/security-credentials")
        # The device is assigned now and the change ended the user's sessions (S18): this one continues under a
        # new id, without the wizard's device.
        kept = {key: value for key, value in current.session.data.items() if key != ENROLMENT_KEY}
        grant = services.signin.renew_after_mfa_change(replace(current.session, data=kept), proved_device_id=device.id)
        response = console.redirect("/security-credentials?notice=assigned")
        security.set_session_cookie(response, request, grant.token)
        return response

    def cancel(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        console.check_session_form(request, form, current)
        discard_enrolment(console, current)
        return console.redirect("/security-credentials")

    return [
        Route(ASSIGN, console.page(assign), methods=["GET", "POST"]),
        Route(SETUP, console.page(setup), methods=["GET", "POST"]),
        Route(CANCEL, console.page(cancel), methods=["POST"]),
    ]
