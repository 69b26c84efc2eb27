"""What STS needs from storage."""

from __future__ import annotations

from typing import Protocol

from twostep.crypto.keyring import Sealed
from twostep.identity.ports import UserRepository
from twostep.mfa.ports import CodeCheckUnitOfWork
from twostep.roles.ports import RoleRepository
from twostep.sts.models import TemporaryCredential


class TemporaryCredentialRepository(Protocol):
    def add(self, credential: TemporaryCredential, secret: Sealed) -> None: ...
    def get(self, access_key_id: str) -> tuple[TemporaryCredential, Sealed] | None: ...
    def for_user(self, user_id: str) -> list[TemporaryCredential]: ...
    def delete_for_user(self, user_id: str) -> int: ...
    def delete_expired(self, before: float) -> int:
        """Forget credentials that expired before this time; returns how many."""
        ...


class StsUnitOfWork(CodeCheckUnitOfWork, Protocol):
    """STS's own repositories, and what the code verifier uses (a TokenCode is checked in the same one)."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def roles(self) -> RoleRepository: ...
    @property
    def temporary_credentials(self) -> TemporaryCredentialRepository: ...
