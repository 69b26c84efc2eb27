"""The compatible applications the Assign MFA device wizard lists, grouped by platform (issue 16, item 5).

Any app that reads the Key Uri Format (otp/keyuri.py) works: TOTP, SHA-1, 6 digits, 30 seconds. The names are
product names and stay as they are in every language; the platforms are translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from twostep.console.i18n import N_


@dataclass(frozen=True)
class AppGroup:
    key: str  # a stable id for the page (an element id)
    platform: str  # a message, translated on the page
    apps: tuple[str, ...]


COMPATIBLE_APPS = (
    AppGroup(
        "android",
        N_("Android"),
        (
            "Google Authenticator",
            "Microsoft Authenticator",
            "Duo Mobile",
            "Twilio Authy",
            "FreeOTP",
            "Aegis Authenticator",
            "2FAS Auth",
        ),
    ),
    AppGroup(
        "ios",
        N_("iOS"),
        (
            "Google Authenticator",
            "Microsoft Authenticator",
            "Duo Mobile",
            "Twilio Authy",
            "FreeOTP",
            "2FAS Auth",
        ),
    ),
    AppGroup(
        "desktop",
        N_("Desktop computers"),
        ("KeePassXC", "GNOME Authenticator", "OTPClient", "Step Two"),
    ),
    AppGroup(
        "password-managers",
        N_("Password managers"),
        ("1Password", "Bitwarden", "Proton Pass", "Dashlane", "Keeper"),
    ),
)
