"""The console home and Security credentials: MFA status, the assigned devices, Resync and Remove."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import error_messages, password_pages, recovery_code_pages, security
from twostep.console.endpoints import route
from twostep.console.forms import Form, two_codes
from twostep.console.i18n import N_
from twostep.console.pages import Console, Reach, redirect
from twostep.mfa.errors import CodeRejected, MfaError
from twostep.mfa.models import MfaDevice
from twostep.signin.models import CurrentSession, Stage

NO_SUCH_DEVICE = N_("This MFA device is not assigned to you.")
DEVICE = "/security-credentials/mfa/{device_id}"


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, "/console", get=home),
        route(console, "/security-credentials", get=credentials),
        route(console, DEVICE + "/resync", get=show_resync, post=submit_resync),
        route(console, DEVICE + "/remove", get=show_remove, post=submit_remove),
    ]


def home(console: Console, request: Request) -> Response:
    current = console.signed_in(request)
    devices = console.services.mfa.devices_of(current.user)
    return console.render(request, "home.html", {"devices": devices}, current=current)


def credentials(console: Console, request: Request) -> Response:
    current = console.signed_in(request, also=Reach.RECOVERY)
    devices = sorted(console.services.mfa.devices_of(current.user), key=lambda d: d.enabled_at or 0)
    context = {
        "devices": devices,
        "may_change_password": current.session.stage is Stage.SIGNED_IN
        and password_pages.may_change(console, request, current),
        **recovery_code_pages.panel_context(console, current),
    }
    return console.render(request, "security_credentials.html", context, current=current)


def own_device(console: Console, request: Request, also: Reach = Reach.NONE) -> tuple[CurrentSession, MfaDevice]:
    """The signed-in session and the device in the path, one of the user's own, with a fresh sign-in (S17)."""
    current = console.signed_in(request, also=also)
    device_id = request.path_params["device_id"]
    device = next((d for d in console.services.mfa.devices_of(current.user) if d.id == device_id), None)
    if device is None:
        raise console.refuse(request, console.gettext(request, NO_SUCH_DEVICE), status=404)
    console.require_fresh(request, current, request.url.path)
    return current, device


# -- resync ---------------------------------------------------------------------------------------------------


def show_resync(console: Console, request: Request) -> Response:
    current, device = own_device(console, request)
    if device.is_passkey:  # a passkey has no codes to resync
        raise console.refuse(request, console.gettext(request, NO_SUCH_DEVICE), status=404)
    return console.render(request, "resync.html", {"device": device}, current=current)


def submit_resync(console: Console, request: Request, form: Form) -> Response:
    current, device = own_device(console, request)
    console.check_session_form(request, form, current)
    try:
        console.services.mfa.resync(
            current.user, device.serial, *two_codes(form), actor=current.user, source_ip=client_address(request)
        )
    except MfaError as failed:
        error = console.error(request, failed, error_messages.TWO_CONSECUTIVE_CODES)
        return console.render(request, "resync.html", {"device": device}, current=current, status=400, error=error)
    return redirect("/security-credentials?notice=resynced")


# -- remove ---------------------------------------------------------------------------------------------------


# A session signed in using alternative factors removes a lost device without its code: the recovery proof
# stands in for it (and the session is fresh throughout, S17).


def show_remove(console: Console, request: Request) -> Response:
    current, device = own_device(console, request, Reach.RECOVERY)
    return console.render(request, "remove.html", {"device": device}, current=current)


def submit_remove(console: Console, request: Request, form: Form) -> Response:
    current, device = own_device(console, request, Reach.RECOVERY)
    console.check_session_form(request, form, current)
    user = current.user
    no_code = current.session.stage is Stage.RECOVERY or device.is_passkey
    code = None if no_code else form.text("code")
    try:
        # A current code of this very device, checked and spent by the one verifier, then deactivation and
        # deletion: one transaction (S17, S29). A passkey has no code: the fresh proof (own_device) is the one of
        # the last sign-in or confirmation, with any of the user's devices; a recovery session has its own proof.
        console.services.mfa.remove(user, device.serial, actor=user, code=code, source_ip=client_address(request))
    except CodeRejected as rejected:
        error = console.error(request, rejected, error_messages.CODE_OF_THIS_DEVICE)
        return console.render(request, "remove.html", {"device": device}, current=current, status=400, error=error)
    except MfaError as failed:  # removed meanwhile by another session or the API
        raise console.refuse(request, console.error(request, failed), status=409) from failed
    grant = console.services.signin.renew_after_mfa_change(current.session)
    response = redirect("/security-credentials?notice=removed")
    security.set_session_cookie(response, request, grant.token)
    return response
