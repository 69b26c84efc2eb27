"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from twostep.audit.head_signature import HeadSigner
from twostep.store import batched_transaction
from twostep.store.account_repository import SqlAccountRepository
from twostep.store.audit_repository import SqlAuditLog
from twostep.store.device_repository import SqlDeviceRepository
from twostep.store.engine import WriterLock, finish_checkpoint, writer_lock
from twostep.store.group_repository import SqlGroupRepository
from twostep.store.identity_repository import SqlAccessKeyRepository, SqlUserRepository
from twostep.store.owned_policy_repository import SqlOwnedPolicyRepository
from twostep.store.passkey_repository import SqlChallengeRepository, SqlPasskeyRepository
from twostep.store.policy_repository import SqlPolicyRepository
from twostep.store.recovery_repository import SqlRecoveryCodeRepository, SqlRecoveryLinkRepository
from twostep.store.role_repository import SqlRoleRepository
from twostep.store.session_repository import SqlSessionRepository
from twostep.store.source_throttle_repository import SqlSourceThrottleRepository
from twostep.store.sts_repository import SqlTemporaryCredentialRepository
from twostep.store.token_repository import SqlTokenRepository


class SqlUnitOfWork:
    accounts: SqlAccountRepository
    users: SqlUserRepository
    access_keys: SqlAccessKeyRepository
    devices: SqlDeviceRepository
    source_throttles: SqlSourceThrottleRepository
    sessions: SqlSessionRepository
    audit: SqlAuditLog
    policies: SqlPolicyRepository
    owned_policies: SqlOwnedPolicyRepository
    temporary_credentials: SqlTemporaryCredentialRepository
    roles: SqlRoleRepository
    groups: SqlGroupRepository
    tokens: SqlTokenRepository
    passkeys: SqlPasskeyRepository
    challenges: SqlChallengeRepository
    recovery_codes: SqlRecoveryCodeRepository
    recovery_links: SqlRecoveryLinkRepository

    def __init__(
        self,
        engine: sa.Engine,
        readonly: bool = False,
        head_signer: HeadSigner | None = None,
        writers: WriterLock | None = None,
    ) -> None:
        self._engine = engine
        self._readonly = readonly
        self._head_signer = head_signer
        self._writers = None if readonly else writers
        self._holds_writers = False
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        connection.info["twostep_readonly"] = self._readonly
        # A read-only unit of work needs no transaction: each statement reads one consistent state on its own
        # (PostgreSQL's read committed gives each statement its own snapshot anyway), so readers skip BEGIN and
        # ROLLBACK (round trips on PostgreSQL, ~5% of a GetSessionToken's CPU on SQLite). Reads that must agree
        # across statements take a snapshot of their own (store/audit_reader.py).
        connection.info["twostep_autocommit"] = self._readonly
        if self._readonly and connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        elif connection.dialect.name == "postgresql":
            batched_transaction.begin(connection)  # BEGIN, and writes nobody reads, go with the next statement
        self._connection = connection
        if self._writers is not None:
            # Queue for SQLite's one writer here rather than in its busy loop (see WriterLock).
            self._holds_writers = self._writers.acquire()
        try:
            self._transaction = connection.begin()
        except BaseException:
            self._release_writers()
            connection.close()
            self._connection = None
            raise
        self.accounts = SqlAccountRepository(connection)
        self.users = SqlUserRepository(connection)
        self.access_keys = SqlAccessKeyRepository(connection)
        self.devices = SqlDeviceRepository(connection)
        self.source_throttles = SqlSourceThrottleRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.audit = SqlAuditLog(connection, self._head_signer)
        self.policies = SqlPolicyRepository(connection)
        self.owned_policies = SqlOwnedPolicyRepository(connection)
        self.temporary_credentials = SqlTemporaryCredentialRepository(connection)
        self.roles = SqlRoleRepository(connection)
        self.groups = SqlGroupRepository(connection)
        self.tokens = SqlTokenRepository(connection)
        self.passkeys = SqlPasskeyRepository(connection)
        self.challenges = SqlChallengeRepository(connection)
        self.recovery_codes = SqlRecoveryCodeRepository(connection)
        self.recovery_links = SqlRecoveryLinkRepository(connection)
        return self

    @property
    def connection(self) -> sa.Connection:
        assert self._connection is not None, "unit of work used outside its with-block"
        return self._connection

    def commit(self) -> None:
        assert self._transaction is not None
        # A unit of work commits once; what follows a commit belongs in a new unit of work.
        try:
            try:
                batched_transaction.commit(self.connection)  # what is still owed, and COMMIT, in one round trip
            except BaseException:
                self._transaction.rollback()
                raise
            self._transaction.commit()
            if self._holds_writers and self._writers is not None and self._writers.checkpoint_due:
                finish_checkpoint(self.connection, self._writers)
        finally:
            self._transaction = None
            self._release_writers()

    def _release_writers(self) -> None:
        if self._holds_writers and self._writers is not None:
            self._holds_writers = False
            self._writers.release()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            batched_transaction.end(self.connection)  # what is still owed is rolled back unsent
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            try:
                self.connection.close()
            finally:
                self._connection = None
                self._transaction = None
                self._release_writers()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: sa.Engine, head_signer: HeadSigner | None = None) -> None:
        self.engine = engine
        self.head_signer = head_signer  # signs each audit chain's head as events are appended (S27)
        self.writers = writer_lock(engine)  # SQLite: writers queue in-process and per host, see WriterLock

    def __call__(self, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, readonly=readonly, head_signer=self.head_signer, writers=self.writers)
