"""Test helpers: codes are computed with pyotp, independently of twostep's own otp/ package."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pyotp

TOTP_STEP = 30


def code_at(seed: bytes | str, unix_time: float) -> str:
    secret = seed if isinstance(seed, str) else base64.b32encode(seed).decode().rstrip("=")
    return pyotp.TOTP(secret).at(int(unix_time))


def earlier_step_codes(seed: bytes | str, now: Callable[[], float]) -> tuple[str, str]:
    """The codes of the two steps before the current one, for enabling a device and leaving the current step
    unspent. Read clear of a step's last second, so the check that follows falls in the same step (codes read at
    x:29.99 and checked at x:30.00 are two and three steps old: outside the window)."""
    moment = now()
    left = TOTP_STEP - moment % TOTP_STEP
    if left < 1.0:
        time.sleep(left)
        moment = now()
    return code_at(seed, moment - 2 * TOTP_STEP), code_at(seed, moment - TOTP_STEP)
