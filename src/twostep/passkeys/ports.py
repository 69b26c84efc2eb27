"""What passkeys need from storage."""

from __future__ import annotations

from typing import Protocol

from twostep.mfa.ports import CodeCheckUnitOfWork, MfaUnitOfWork
from twostep.passkeys.models import Challenge, PasskeyCredential


class PasskeyRepository(Protocol):
    def add(self, credential: PasskeyCredential) -> None: ...
    def for_device(self, device_id: str) -> PasskeyCredential | None: ...
    def for_user(self, user_id: str) -> list[PasskeyCredential]:
        """The credentials of the user's assigned passkey devices."""
        ...

    def by_credential_id(self, credential_id: bytes) -> PasskeyCredential | None: ...
    def record_use(self, device_id: str, sign_count: int, backed_up: bool, now: float) -> None: ...


class ChallengeRepository(Protocol):
    def put(self, session_hash: str, challenge: Challenge) -> None:
        """The session's one outstanding challenge of that ceremony: replaces an earlier one."""
        ...

    def take(self, session_hash: str, ceremony: str) -> Challenge | None:
        """Remove and return the session's challenge of that ceremony, atomically: a second take finds nothing."""
        ...


class PasskeyCheckUnitOfWork(CodeCheckUnitOfWork, Protocol):
    """What an assertion check uses of the caller's unit of work (sign-in hands it its own)."""

    @property
    def passkeys(self) -> PasskeyRepository: ...
    @property
    def challenges(self) -> ChallengeRepository: ...


class PasskeyUnitOfWork(PasskeyCheckUnitOfWork, MfaUnitOfWork, Protocol):
    pass
