"""The end of an Assign MFA device wizard, whichever the device type."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from twostep.console.pages import Console
from twostep.console.recovery_code_pages import after_assignment
from twostep.signin.models import CurrentSession


def assigned_response(
    console: Console,
    request: Request,
    current: CurrentSession,
    wizard_keys: str | tuple[str, ...],
    device_id: str,
    notice: str = "assigned",
) -> Response:
    """The device is assigned and the change ended the user's sessions (S18): this one continues under a new id,
    without the wizard's state, with the new device as a fresh proof of possession; the recovery codes owed for a
    first device are shown this once (recovery_code_pages.after_assignment)."""
    dropped = (wizard_keys,) if isinstance(wizard_keys, str) else wizard_keys
    kept = {key: value for key, value in current.session.data.items() if key not in dropped}
    renewed = replace(current, session=replace(current.session, data=kept))
    return after_assignment(console, request, renewed, device_id, notice)
