"""The console home and Security credentials: MFA status, the assigned devices, Resync and Remove."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import Console, Form
from twostep.console.i18n import N_
from twostep.mfa.errors import CodeRejected, MfaError
from twostep.mfa.models import MfaDevice
from twostep.signin.models import CurrentSession

RESYNC_REJECTED = N_("The MFA codes are not valid. Enter two consecutive codes from your device and try again.")
REMOVE_REJECTED = N_("The MFA code is not valid. Enter a new code from this device and try again.")
NO_SUCH_DEVICE = N_("This MFA device is not assigned to you.")


def routes(console: Console) -> list[BaseRoute]:
    services = console.services
    mfa = services.mfa

    def client_ip(request: Request) -> str | None:
        return request.client.host if request.client else None

    def own_device(request: Request, current: CurrentSession) -> MfaDevice:
        device_id = request.path_params["device_id"]
        device = next((d for d in mfa.devices_of(current.user) if d.id == device_id), None)
        if device is None:
            raise console.refuse(request, console.gettext(request, NO_SUCH_DEVICE), status=404)
        return device

    def home(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        devices = mfa.devices_of(current.user)
        return console.render(request, "home.html", {"devices": devices}, current=current)

    def credentials(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        devices = sorted(mfa.devices_of(current.user), key=lambda d: d.enabled_at or 0)
        return console.render(request, "security_credentials.html", {"devices": devices}, current=current)

    def resync(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        device = own_device(request, current)
        console.require_fresh(request, current, request.url.path)
        if request.method == "GET":
            return console.render(request, "resync.html", {"device": device}, current=current)
        console.check_session_form(request, form, current)
        try:
            mfa.resync(
                current.user,
                device.serial,
                form.text("code1"),
                form.text("code2"),
                actor=current.user,
                source_ip=client_ip(request),
            )
        except MfaError:
            error = console.gettext(request, RESYNC_REJECTED)
            return console.render(request, "resync.html", {"device": device}, current=current, status=400, error=error)
        return console.redirect("/security-credentials?notice=resynced")

    def remove(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        device = own_device(request, current)
        console.require_fresh(request, current, request.url.path)
        if request.method == "GET":
            return console.render(request, "remove.html", {"device": device}, current=current)
        console.check_session_form(request, form, current)
        user = current.user
        try:
            # A current code of this very device, checked and spent by the one verifier, then deactivation and
            # deletion: one transaction (S17, S29).
            mfa.remove(user, device.serial, actor=user, code=form.text("code"), source_ip=client_ip(request))
        except CodeRejected:
            error = console.gettext(request, REMOVE_REJECTED)
            return console.render(request, "remove.html", {"device": device}, current=current, status=400, error=error)
        except MfaError as failed:  # removed meanwhile by another session or the API
            raise console.refuse(request, console.gettext(request, str(failed)), status=409) from failed
        grant = services.signin.renew_after_mfa_change(current.session)
        response = console.redirect("/security-credentials?notice=removed")
        security.set_session_cookie(response, request, grant.token)
        return response

    return [
        Route("/console", console.page(home), methods=["GET"]),
        Route("/security-credentials", console.page(credentials), methods=["GET"]),
        Route("/security-credentials/mfa/{device_id}/resync", console.page(resync), methods=["GET", "POST"]),
        Route("/security-credentials/mfa/{device_id}/remove", console.page(remove), methods=["GET", "POST"]),
    ]
