"""Recovery codes on Security credentials: shown once when a user's first device is assigned (copy, download,
print) and confirmed by typing one back; regenerated with a fresh MFA proof; their count shown. Also what every
device type's enrolment does once its device is assigned (`after_assignment`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import security
from twostep.console.endpoints import route
from twostep.console.error_messages import NO_REASONS, RECOVERY_CODE_WORDING
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.mfa.errors import CodeRejected, MfaError, RecoveryCodesNeedMfa
from twostep.mfa.recovery_codes import CODE_COUNT
from twostep.signin.models import LOST_DEVICES_KEY, CurrentSession, Stage

RECOVERY_CODES = "/security-credentials/recovery-codes"
CONFIRM = RECOVERY_CODES + "/confirm"
ASSIGNED = "/security-credentials?notice=assigned"


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, RECOVERY_CODES, get=show_regenerate, post=regenerate),
        # Checks a recovery code: answered no sooner than the floor (S13).
        route(console, CONFIRM, get=show_confirm, post=confirm, answer_floor=True),
    ]


def panel_context(console: Console, current: CurrentSession) -> dict[str, Any]:
    """What Security credentials shows of the recovery codes and of the account's MFA requirement."""
    user = current.user
    account = console.services.identity.account(user.account_id) if user.is_root else None
    return {
        "recovery": console.services.recovery.status(user),
        "recovery_code_count": CODE_COUNT,
        "recovering": current.session.stage is Stage.RECOVERY,
        "account": account,
    }


# -- once a device is assigned --------------------------------------------------------------------------------


def after_assignment(
    console: Console, request: Request, current: CurrentSession, device_id: str, notice: str = "assigned"
) -> Response:
    """Once an enrolment assigned a device: a session signed in using alternative factors retires the devices it
    signed in without; the session continues under a new id (the change ended the others, S18); the recovery codes
    owed for a user's first device are made and shown this once (mfa/recovery.py)."""
    user = current.user
    if current.session.stage is Stage.RECOVERY:
        retire_lost_devices(console, request, current, keep=device_id)
    grant = console.services.signin.renew_after_mfa_change(current.session, proved_device_id=device_id)
    codes = console.services.recovery.issue_owed(user, source_ip=client_address(request))
    if codes:
        renewed = CurrentSession(grant.session, user)
        response = codes_page(console, request, renewed, codes)
    else:
        response = redirect(f"/security-credentials?notice={notice}")
    security.set_session_cookie(response, request, grant.token)
    return response


def retire_lost_devices(console: Console, request: Request, current: CurrentSession, keep: str) -> None:
    lost = current.session.data.get(LOST_DEVICES_KEY)
    lost_ids = {device_id for device_id in lost if isinstance(device_id, str)} if isinstance(lost, list) else set()
    user = current.user
    for device in console.services.mfa.devices_of(user):
        if device.id in lost_ids and device.id != keep:
            try:
                console.services.mfa.remove(user, device.serial, actor=user, source_ip=client_address(request))
            except MfaError:  # removed meanwhile
                continue


def codes_page(console: Console, request: Request, current: CurrentSession, codes: tuple[str, ...]) -> Response:
    """The codes, this once (the page is no-store like every console page): copy, download, print, confirm."""
    account = current.user.account_id
    text = "\n".join([f"twostep recovery codes: {current.user.display_name} ({account})", "", *codes, ""])
    context = {
        "codes": codes,
        "download": "data:text/plain;charset=utf-8," + quote(text),
        "filename": f"twostep-recovery-codes-{account}.txt",
        "code": "",
    }
    return console.render(request, "recovery_codes.html", context, current=current)


# -- confirm one back -----------------------------------------------------------------------------------------


def show_confirm(console: Console, request: Request) -> Response:
    current = console.signed_in(request)
    return console.render(request, "recovery_codes_confirm.html", {"code": ""}, current=current)


def confirm(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request)
    console.check_session_form(request, form, current)
    code = form.text("code", strip=True)
    try:
        console.services.recovery.confirm(current.user, code, source_ip=client_address(request))
    except CodeRejected as rejected:
        error = console.error(request, rejected, RECOVERY_CODE_WORDING, NO_REASONS)
        context = {"code": ""}
        return console.render(request, "recovery_codes_confirm.html", context, current=current, status=400, error=error)
    return redirect("/security-credentials?notice=recovery-codes-saved")


# -- regenerate (a fresh MFA proof first, S17) -----------------------------------------------------------------

NEEDS_DEVICE = N_("Recovery codes are for users with an MFA device. Assign an MFA device first.")


def show_regenerate(console: Console, request: Request) -> Response:
    current = console.signed_in(request)
    console.require_fresh(request, current, RECOVERY_CODES)
    status = console.services.recovery.status(current.user)
    return console.render(request, "recovery_codes_regenerate.html", {"recovery": status}, current=current)


def regenerate(console: Console, request: Request, form: Form) -> Response:
    current = console.signed_in(request)
    console.check_session_form(request, form, current)
    console.require_fresh(request, current, RECOVERY_CODES)
    try:
        codes = console.services.recovery.regenerate(
            current.user, actor=current.user, source_ip=client_address(request)
        )
    except RecoveryCodesNeedMfa:
        raise console.refuse(request, console.gettext(request, NEEDS_DEVICE), status=409) from None
    return codes_page(console, request, current, codes)
