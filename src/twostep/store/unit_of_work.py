"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from twostep.audit.head_signature import HeadSigner
from twostep.store.audit_repository import SqlAuditLog
from twostep.store.device_repository import SqlDeviceRepository
from twostep.store.identity_repository import SqlAccessKeyRepository, SqlAccountRepository, SqlUserRepository
from twostep.store.policy_repository import SqlPolicyRepository
from twostep.store.session_repository import SqlSessionRepository
from twostep.store.sts_repository import SqlTemporaryCredentialRepository


class SqlUnitOfWork:
    accounts: SqlAccountRepository
    users: SqlUserRepository
    access_keys: SqlAccessKeyRepository
    devices: SqlDeviceRepository
    sessions: SqlSessionRepository
    audit: SqlAuditLog
    policies: SqlPolicyRepository
    temporary_credentials: SqlTemporaryCredentialRepository

    def __init__(self, engine: sa.Engine, readonly: bool = False, head_signer: HeadSigner | None = None) -> None:
        self._engine = engine
        self._readonly = readonly
        self._head_signer = head_signer
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        connection.info["twostep_readonly"] = self._readonly
        self._connection = connection
        self._transaction = connection.begin()
        self.accounts = SqlAccountRepository(connection)
        self.users = SqlUserRepository(connection)
        self.access_keys = SqlAccessKeyRepository(connection)
        self.devices = SqlDeviceRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.audit = SqlAuditLog(connection, self._head_signer)
        self.policies = SqlPolicyRepository(connection)
        self.temporary_credentials = SqlTemporaryCredentialRepository(connection)
        return self

    @property
    def connection(self) -> sa.Connection:
        assert self._connection is not None, "unit of work used outside its with-block"
        return self._connection

    def commit(self) -> None:
        assert self._transaction is not None
        # A unit of work commits once; what follows a commit belongs in a new unit of work.
        self._transaction.commit()
        self._transaction = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self.connection.close()
            self._connection = None
            self._transaction = None


class SqlUnitOfWorkFactory:
    def __init__(self, engine: sa.Engine, head_signer: HeadSigner | None = None) -> None:
        self.engine = engine
        self.head_signer = head_signer  # signs each audit chain's head as events are appended (S27)

    def __call__(self, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, readonly=readonly, head_signer=self.head_signer)
