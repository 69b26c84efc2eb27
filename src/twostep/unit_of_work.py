"""One transaction over every repository: each change of state and its audit event commit together (rule 4)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from twostep.audit.ports import AuditLog
from twostep.groups.ports import GroupRepository
from twostep.identity.ports import AccessKeyRepository, AccountRepository, UserRepository
from twostep.mfa.ports import DeviceRepository, SourceThrottleRepository
from twostep.policy.ports import OwnedPolicyRepository, PolicyRepository
from twostep.roles.ports import RoleRepository
from twostep.signin.ports import SessionRepository
from twostep.sts.ports import TemporaryCredentialRepository
from twostep.tokens.ports import TokenRepository


class UnitOfWork(Protocol):
    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def access_keys(self) -> AccessKeyRepository: ...

    @property
    def devices(self) -> DeviceRepository: ...

    @property
    def source_throttles(self) -> SourceThrottleRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def policies(self) -> PolicyRepository: ...

    @property
    def temporary_credentials(self) -> TemporaryCredentialRepository: ...

    @property
    def roles(self) -> RoleRepository: ...

    @property
    def role_policies(self) -> OwnedPolicyRepository: ...

    @property
    def groups(self) -> GroupRepository: ...

    @property
    def group_policies(self) -> OwnedPolicyRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[..., UnitOfWork]
"""Called as factory() for a writing transaction, factory(readonly=True) for a reading one."""
