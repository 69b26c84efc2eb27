"""What the MFA domain needs from storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from twostep.audit.ports import AuditLog
from twostep.crypto.keyring import Sealed
from twostep.identity.models import Tag
from twostep.identity.ports import UserRepository, UserSessions
from twostep.mfa.models import MfaDevice
from twostep.mfa.recovery_codes import RecoveryCodeStatus, StoredRecoveryCode
from twostep.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ReservedAttempt:
    """A code attempt that storage has already counted as a failure; success undoes it."""

    failures: int
    last_used_step: int
    drift: int
    seed: Sealed
    source_recent: bool = False  # the source address had failures recently: CodeVerifier locks and re-checks it


class DeviceRepository(Protocol):
    def add(self, device: MfaDevice) -> None: ...
    def get(self, device_id: str) -> MfaDevice | None: ...
    def by_serial(self, account_id: str, serial: str) -> MfaDevice | None: ...
    def for_user(self, user_id: str) -> list[MfaDevice]: ...
    def count_for_user(self, user_id: str) -> int: ...
    def in_account(self, account_id: str, assigned: bool | None = None) -> list[MfaDevice]: ...
    def page_in_account(
        self, account_id: str, assigned: bool | None, after_serial: str | None, limit: int
    ) -> list[MfaDevice]:
        """At most `limit` of the account's virtual devices (not its passkeys) in serial-number order (code point
        order, as Python sorts), starting after `after_serial`: one indexed range query, however many devices the
        account has."""
        ...

    def count_in_account(self, account_id: str, assigned: bool | None = None) -> int: ...
    def assign(self, device_id: str, user_id: str, now: float) -> bool:
        """Assign an unassigned device; False if it was assigned meanwhile."""
        ...

    def unassign(self, device_id: str) -> None: ...
    def rename(self, device_id: str, name: str, serial: str) -> None: ...
    def delete(self, device_id: str) -> None: ...
    def set_tags(self, device_id: str, tags: tuple[Tag, ...]) -> None: ...
    def reserve_attempt(
        self,
        device_id: str,
        now: float,
        limit: int,
        bypass_lock: bool = False,
        *,
        source: str | None = None,
        source_since: float = 0.0,
    ) -> ReservedAttempt | None:
        """Atomically count one failure before the code is evaluated (S9), unless the device is locked
        (failures >= limit, ignored with bypass_lock) or inside its delay, or the source address (S10) has
        failures since source_since and is inside its delay (read in the same statement, without a lock). None
        means: do not evaluate."""
        ...

    def reserve_owned(
        self,
        account_id: str,
        owner_id: str,
        now: float,
        limit: int,
        *,
        serial: str | None = None,
        device_id: str | None = None,
        source: str | None,
        source_since: float,
    ) -> tuple[MfaDevice | None, ReservedAttempt | None]:
        """The device a (code device's) serial or an id names, and, only when it is owner_id's, an attempt reserved
        on it on reserve_attempt's terms; the device is read after the reservation (under its lock when one was
        taken)."""
        ...

    def release_attempt(self, device_id: str) -> None:
        """Take back the failure reserve_attempt counted, for an attempt refused before anything was evaluated."""
        ...

    def throttle_state(self, device_id: str) -> tuple[int, float]: ...
    def set_delay(self, device_id: str, next_attempt_at: float) -> None: ...
    def consume(self, device_id: str, step: int, drift: int) -> bool:
        """Record an accepted step and clear the failures, only if the step is above the last one."""
        ...

    def reset_failures(self, device_id: str) -> None: ...


class SourceThrottleRepository(Protocol):
    """Failed codes per source address (S10): a delay for the address, whatever device or path it tries."""

    def recent_delay(self, source: str, now: float, forget_after: float) -> float | None:
        """Read without a lock: None when the source has no failure in the last forget_after seconds (nothing to
        wait for or to queue on), else when it may next have a code evaluated (0 or a past time: now)."""
        ...

    def wait_until(self, source: str, now: float, forget_after: float) -> float:
        """As recent_delay, 0 for a quiet source, but under the source's row lock until the transaction ends."""
        ...

    def record_failure(self, source: str, now: float, forget_after: float) -> int:
        """Count a failure; the source's consecutive failures, restarting at 1 after forget_after quiet seconds."""
        ...

    def set_delay(self, source: str, next_attempt_at: float) -> None: ...


@dataclass(frozen=True)
class ReservedRecoveryAttempt:
    """A recovery-code attempt already counted as a failure (as ReservedAttempt is for a device)."""

    failures: int
    hash_key: Sealed
    codes: tuple[StoredRecoveryCode, ...]


class RecoveryCodeRepository(Protocol):
    """A user's recovery codes: the sealed key they are hashed with, their hashes, and the set's attempt counter."""

    def status(self, user_id: str) -> RecoveryCodeStatus | None: ...
    def owe(self, user_id: str, account_id: str, hash_key: Sealed) -> None:
        """Record that the user is owed a set (a first device was assigned): codes are made when first shown."""
        ...

    def replace(self, user_id: str, account_id: str, hash_key: Sealed, hashes: list[str], now: float) -> None:
        """A new set: the old codes go, the counter starts again, nothing is owed any more."""
        ...

    def reserve_attempt(self, user_id: str, now: float, limit: int) -> ReservedRecoveryAttempt | None:
        """Atomically count one failure before a code is evaluated (S35), unless the set is locked (failures >=
        limit) or inside its delay, or the user has none. None means: do not evaluate."""
        ...

    def release_attempt(self, user_id: str) -> None:
        """Take back the failure reserve_attempt counted, for an attempt refused before anything was evaluated."""
        ...

    def throttle_state(self, user_id: str) -> tuple[int, float] | None: ...
    def set_delay(self, user_id: str, next_attempt_at: float) -> None: ...
    def spend(self, user_id: str, position: int, now: float) -> bool:
        """Spend an unspent code and clear the failures; False if it was spent meanwhile."""
        ...

    def confirm(self, user_id: str, now: float) -> None: ...
    def spend_all(self, user_id: str, now: float) -> int:
        """Spend every remaining code, owe nothing, clear the counter (break-glass reset); how many were left."""
        ...

    def reset_failures(self, user_id: str) -> None: ...


class CodeCheckUnitOfWork(UnitOfWork, Protocol):
    """What CodeVerifier uses of the caller's unit of work (sign-in and STS hand it theirs)."""

    @property
    def devices(self) -> DeviceRepository: ...
    @property
    def source_throttles(self) -> SourceThrottleRepository: ...
    @property
    def audit(self) -> AuditLog: ...


class RecoveryCheckUnitOfWork(CodeCheckUnitOfWork, Protocol):
    """What CodeVerifier.verify_recovery_code uses of the caller's unit of work."""

    @property
    def recovery_codes(self) -> RecoveryCodeRepository: ...


class MfaUnitOfWork(RecoveryCheckUnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...
    @property
    def sessions(self) -> UserSessions: ...
