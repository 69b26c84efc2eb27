"""Assign MFA device, *Hardware TOTP token*: the token's serial number (on its back) and two consecutive codes.

The token must be an unassigned token of the account's pool (`twostep tokens import`); its seed never leaves the
server. The codes go through the one verifier like any enrolment (two consecutive steps, both spent).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import error_messages
from twostep.console.assignment import assigned_response
from twostep.console.endpoints import route
from twostep.console.forms import Form, two_codes
from twostep.console.i18n import N_
from twostep.console.pages import Console, Reach
from twostep.mfa.errors import CodeRejected, DeviceInUse, DeviceLimitExceeded, NoSuchDevice
from twostep.mfa.models import MAX_DEVICES_PER_USER
from twostep.signin.models import CurrentSession

HARDWARE = "/security-credentials/mfa/assign/hardware"
NO_SUCH_TOKEN = N_(
    "No unassigned hardware token of this account has that serial number. Check the number on the back of the "
    "token; your administrator imports tokens with `twostep tokens import`."
)
TOO_MANY = N_("You already have 8 MFA devices, the most a user can have. Remove one before you assign another.")
HARDWARE_WORDING: error_messages.Wording = {**error_messages.TWO_NEW_CODES, NoSuchDevice: NO_SUCH_TOKEN}


def routes(console: Console) -> list[BaseRoute]:
    return [route(console, HARDWARE, get=show_hardware, post=submit_hardware)]


def hardware_session(console: Console, request: Request) -> tuple[CurrentSession, bool]:
    current = console.signed_in(request, also=Reach.ENROLMENT | Reach.RECOVERY)  # the wizard's reach
    console.require_fresh(request, current, HARDWARE)
    return current, len(console.services.mfa.devices_of(current.user)) >= MAX_DEVICES_PER_USER


def hardware_page(
    console: Console, request: Request, current: CurrentSession, serial: str, error: str | None = None
) -> Response:
    status = 400 if error else 200
    context = {"serial": serial}
    return console.render(request, "assign_hardware.html", context, current=current, status=status, error=error)


def show_hardware(console: Console, request: Request) -> Response:
    current, full = hardware_session(console, request)
    return hardware_page(console, request, current, "", console.gettext(request, TOO_MANY) if full else None)


def submit_hardware(console: Console, request: Request, form: Form) -> Response:
    current, full = hardware_session(console, request)
    console.check_session_form(request, form, current)
    serial = form.text("serial", strip=True)
    if full:
        return hardware_page(console, request, current, serial, console.gettext(request, TOO_MANY))
    try:
        console.services.mfa.enable(
            current.user, serial, *two_codes(form), actor=current.user, source_ip=client_address(request)
        )
    except (CodeRejected, NoSuchDevice, DeviceInUse, DeviceLimitExceeded) as refused:
        return hardware_page(console, request, current, serial, console.error(request, refused, HARDWARE_WORDING))
    device = console.services.mfa.device(current.user.account_id, serial)
    return assigned_response(console, request, current, "", device.id)
