"""Typed failures of the MFA domain."""

from __future__ import annotations

import enum


class MfaError(Exception):
    """Base class: the message is safe to show to the caller."""


class RejectionReason(enum.Enum):
    MALFORMED = "malformed"  # not exactly six ASCII digits: counted as a failure (S5)
    WRONG = "wrong"  # no step in the window matches
    REPLAYED = "replayed"  # the matching step is already spent (S3)
    THROTTLED = "throttled"  # inside the progressive delay: not evaluated (S10)
    LOCKED = "locked"  # failure limit reached: not evaluated until resync or admin unlock (S8)
    # passkey assertions (passkeys/assertions.py)
    STALE = "stale"  # no live challenge of this session and ceremony: used already, expired or never issued
    CLONED = "cloned"  # the authenticator's signature counter did not grow: possibly a cloned authenticator


class CodeRejected(MfaError):
    """The one failure outcome of a code check. Callers show the same message for every reason (S13)."""

    def __init__(self, reason: RejectionReason, retry_after: float | None = None, device_locked: bool = False) -> None:
        super().__init__("Authentication code for device is not valid.")
        self.reason = reason
        self.retry_after = retry_after
        self.device_locked = device_locked  # the device is (now) locked: only resync or an admin unlocks it


class NoSuchDevice(MfaError):
    def __init__(self, serial: str) -> None:
        super().__init__(f"MFA Device with serial number {serial} does not exist.")
        self.serial = serial


class DeviceAlreadyExists(MfaError):
    def __init__(self, serial: str) -> None:
        super().__init__("MFADevice entity at the same path and name already exists.")
        self.serial = serial


class DeviceInUse(MfaError):
    def __init__(self) -> None:
        super().__init__("MFA Device is already in use.")


class DeviceLimitExceeded(MfaError):
    def __init__(self) -> None:
        super().__init__("Cannot exceed quota for MfaDevicesPerUser: 8")


class DeviceStillAssigned(MfaError):
    def __init__(self) -> None:
        super().__init__("You must deactivate a user's virtual MFA device before you can delete it")


class DeviceNotAssignedToUser(MfaError):
    def __init__(self, serial: str) -> None:
        super().__init__(f"MFA Device with serial number {serial} does not exist.")


class InvalidDeviceName(MfaError):
    pass


class RecoveryCodesNeedMfa(MfaError):
    def __init__(self) -> None:
        super().__init__("Recovery codes are for users with an MFA device; assign one first.")
