"""What the hardware-token domain needs from storage (the device rows themselves are the MFA domain's)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from twostep.audit.ports import AuditLog
from twostep.crypto.keyring import Sealed
from twostep.identity.ports import UserRepository
from twostep.mfa.models import MfaDevice
from twostep.mfa.ports import DeviceRepository
from twostep.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class NewToken:
    device: MfaDevice  # kind HARDWARE, unassigned, its seed sealed like any device's
    digest_key_id: str
    seed_digest: str


@dataclass(frozen=True)
class StaleDigest:
    """A token whose seed digest was made under a key other than the active one (before a key rotation)."""

    device_id: str
    seed: Sealed


@dataclass(frozen=True)
class InstalledToken:
    device: MfaDevice
    imported_at: float


class TokenRepository(Protocol):
    def installed_serials(self, serials: Collection[str]) -> set[str]:
        """Those of `serials` that any device of any account already has (serials are unique installation-wide)."""
        ...

    def installed_digests(self, digests: Collection[str]) -> set[str]:
        """Those of `digests` that a token already installed has."""
        ...

    def add_many(self, tokens: Sequence[NewToken], now: float) -> None:
        """Insert the tokens; raises ImportConflict if a serial or seed digest was installed meanwhile."""
        ...

    def pool(self, account_id: str) -> list[InstalledToken]:
        """The account's hardware tokens, assigned or not, in serial order."""
        ...

    def delete_unassigned(self, device_id: str) -> bool:
        """Delete the token (device row, digest, tags) if it is still unassigned; False if it is not."""
        ...

    def stale_digests(self, active_key_id: str, after_device_id: str, limit: int) -> list[StaleDigest]: ...
    def set_digest(self, device_id: str, key_id: str, digest: str) -> None: ...


class TokenUnitOfWork(UnitOfWork, Protocol):
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def devices(self) -> DeviceRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def audit(self) -> AuditLog: ...
