"""Passkeys and security keys: plain values, no persistence."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# At least 32 random bytes per challenge, single use, valid for five minutes.
CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = 300.0


class Ceremony(enum.Enum):
    REGISTRATION = "create"  # navigator.credentials.create
    AUTHENTICATION = "get"  # navigator.credentials.get


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser talks to: the RP ID the credentials are scoped to, and the origins allowed to use them."""

    id: str
    origins: tuple[str, ...]
    name: str = "twostep"


@dataclass(frozen=True)
class Challenge:
    """A challenge issued to one session for one ceremony; an authentication challenge names its device."""

    value: bytes
    ceremony: Ceremony
    expires_at: float
    device_id: str | None = None


@dataclass(frozen=True)
class PasskeyCredential:
    """What is kept of a registered credential, beside its MFA device row (name, serial, enable date)."""

    device_id: str
    credential_id: bytes
    public_key: bytes  # the COSE key, as the authenticator sent it
    sign_count: int
    transports: tuple[str, ...]
    aaguid: str  # the authenticator model, when it says (all zeros otherwise)
    backup_eligible: bool  # may be synced to other devices (a multi-device passkey)
    backed_up: bool  # is synced (as of its last use)
    rp_id: str
    created_at: float
    last_used_at: float | None = None


@dataclass(frozen=True)
class VerifiedAssertion:
    sign_count: int
    backed_up: bool


def sign_count_regressed(stored: int, presented: int) -> bool:
    """A counter that does not grow, when either side is non-zero: the authenticator may have been cloned.
    (Authenticators that keep no counter report 0 every time.)"""
    return (stored > 0 or presented > 0) and presented <= stored
