"""The end of an Assign MFA device wizard, whichever the device type."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from twostep.console import security
from twostep.console.pages import Console, redirect
from twostep.signin.models import CurrentSession


def assigned_response(
    console: Console,
    request: Request,
    current: CurrentSession,
    wizard_key: str,
    device_id: str,
    notice: str = "assigned",
) -> Response:
    """The device is assigned and the change ended the user's sessions (S18): this one continues under a new id,
    without the wizard's state, with the new device as a fresh proof of possession."""
    kept = {key: value for key, value in current.session.data.items() if key != wizard_key}
    grant = console.services.signin.renew_after_mfa_change(
        replace(current.session, data=kept), proved_device_id=device_id
    )
    response = redirect(f"/security-credentials?notice={notice}")
    security.set_session_cookie(response, request, grant.token)
    return response
