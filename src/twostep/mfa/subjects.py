"""What an attempt counts against - a device, or a user's recovery codes - as CodeVerifier (mfa/verifier.py) sees
it: whose account, how the audit log names it, and how to delay it or take a reserved attempt back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twostep.identity.models import User
from twostep.mfa.models import MfaDevice
from twostep.mfa.ports import CodeCheckUnitOfWork, RecoveryCheckUnitOfWork


@dataclass(frozen=True)
class Subject:
    """What an attempt counts against - a device, or a user's recovery codes - as the audit log names it."""

    account_id: str
    details: dict[str, str]
    rejected_event: str
    locked_event: str
    set_delay: Callable[[float], None]
    release: Callable[[], None]  # takes back a reserved attempt that was refused before any evaluation

    @classmethod
    def device(cls, uow: CodeCheckUnitOfWork, device: MfaDevice) -> Subject:
        return cls(
            device.account_id,
            {"serialNumber": device.serial},
            "MfaCodeRejected",
            "MfaDeviceLocked",
            lambda until: uow.devices.set_delay(device.id, until),
            lambda: uow.devices.release_attempt(device.id),
        )

    @classmethod
    def recovery_codes(cls, uow: RecoveryCheckUnitOfWork, user: User) -> Subject:
        return cls(
            user.account_id,
            {"userName": user.name},
            "RecoveryCodeRejected",
            "RecoveryCodesLocked",
            lambda until: uow.recovery_codes.set_delay(user.id, until),
            lambda: uow.recovery_codes.release_attempt(user.id),
        )
