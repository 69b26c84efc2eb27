"""MFA devices (authenticator apps, hardware TOTP tokens, passkeys and security keys): plain values, no persistence.

Every device type lives in one row shape (MfaDevice), so that the failure counter, delay and lock (S8-S12), the
8-device limit and the listings hold for all of them. A passkey or security key is told apart by its serial, an ARN
of the u2f form AWS gives FIDO devices; its WebAuthn credential lives beside it (passkeys/).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from twostep.crypto.keyring import Sealed
from twostep.identity.models import Tag
from twostep.otp import TotpParameters

# AWS: a user (root included) may have at most 8 MFA devices.
MAX_DEVICES_PER_USER = 8


def device_serial(account_id: str, path: str, name: str) -> str:
    """The ARN AWS uses as a virtual device's serial number: arn:aws:iam::ACCOUNT:mfa{path}{name}."""
    return f"arn:aws:iam::{account_id}:mfa{path}{name}"


class DeviceKind(enum.StrEnum):
    """The wizard's device types that hold a TOTP seed: an authenticator app, or a key fob whose seed the operator
    imported (tokens/). Both are checked by the one CodeVerifier, with the device's own TOTP parameters."""

    VIRTUAL = "virtual"
    HARDWARE = "hardware"


def passkey_serial(account_id: str, owner: str, name: str, suffix: str) -> str:
    """The ARN AWS gives a passkey or security key: arn:aws:iam::ACCOUNT:u2f/{owner}/{name}-{suffix}, where the
    owner is ``root`` or ``user/USERNAME`` and the suffix random upper-case letters and digits."""
    return f"arn:aws:iam::{account_id}:u2f/{owner}/{name}-{suffix}"


def is_passkey_serial(serial: str) -> bool:
    """Whether a serial is a u2f ARN (a virtual device's resource starts with ``mfa``, a token's serial has none)."""
    parts = serial.split(":", 5)
    return len(parts) == 6 and parts[:3] == ["arn", "aws", "iam"] and parts[5].startswith("u2f/")


@dataclass(frozen=True)
class MfaDevice:
    id: str
    account_id: str
    path: str
    name: str
    serial: str
    seed: Sealed
    created_at: float
    created_by: str | None  # the user who started the enrolment: may delete it while it is unassigned
    user_id: str | None = None  # assigned owner
    enabled_at: float | None = None
    last_used_step: int = -1  # the highest time step ever accepted; every step <= it is spent
    drift: int = 0  # steps the device's clock runs ahead (+) or behind (-), learnt at resync
    failures: int = 0  # consecutive failed codes, shared by every path (S8)
    next_attempt_at: float = 0.0  # progressive delay (S10)
    tags: tuple[Tag, ...] = field(default=())
    kind: DeviceKind = DeviceKind.VIRTUAL
    params: TotpParameters = field(default=TotpParameters())  # a hardware token's own digits, period and hash

    @property
    def assigned(self) -> bool:
        return self.user_id is not None

    @property
    def is_passkey(self) -> bool:
        """A passkey or security key: it answers WebAuthn assertions, never codes (its seed columns hold a random
        value that is never shown, and the verifier refuses codes for it before evaluating them)."""
        return is_passkey_serial(self.serial)

    @property
    def seed_associated_data(self) -> bytes:
        return seed_associated_data(self.id)


def seed_associated_data(device_id: str) -> bytes:
    return f"twostep/mfa-seed/{device_id}".encode()
