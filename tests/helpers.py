"""Test helpers: codes are computed with pyotp, independently of twostep's own otp/ package."""

from __future__ import annotations

import base64

import pyotp


def code_at(seed: bytes | str, unix_time: float) -> str:
    secret = seed if isinstance(seed, str) else base64.b32encode(seed).decode().rstrip("=")
    return pyotp.TOTP(secret).at(int(unix_time))
