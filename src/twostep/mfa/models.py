"""MFA devices (virtual devices and hardware TOTP tokens): plain values, no persistence."""

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
    def seed_associated_data(self) -> bytes:
        return seed_associated_data(self.id)


def seed_associated_data(device_id: str) -> bytes:
    return f"twostep/mfa-seed/{device_id}".encode()
