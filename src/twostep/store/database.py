"""The database as the rest of twostep sees it: opened from its URL, upgraded, checked, read for an audit
report, re-keyed, and the source of units of work. SQLAlchemy and Alembic stay behind it (architecture rule 5)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from twostep.audit.head_signature import ChainHead, HeadSigner
from twostep.crypto.keyring import KeyRing
from twostep.store import consistency, revisions
from twostep.store.audit_reader import AuditSnapshot, audit_snapshot
from twostep.store.consistency import ConsistencyReport
from twostep.store.engine import create_engine
from twostep.store.failures import SchemaMissing, SchemaNewer, SchemaOlder, display_url, sqlite_file
from twostep.store.key_rotation import KeyRotation, Progress
from twostep.store.notification_outbox import SqlNotificationOutbox
from twostep.store.observation import DatabaseObserver, observe, pool_limit
from twostep.store.unit_of_work import SqlUnitOfWorkFactory


class Database:
    """One database (its connection pool); close() it when done, or use it as a context manager."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._shown = display_url(url)

    @staticmethod
    def sqlite_file(url: str) -> Path | None:
        """The file of a SQLite URL (its directory holds the journal and the writer lock too); None otherwise."""
        return sqlite_file(url)

    @staticmethod
    def exists(url: str) -> bool:
        """False for a SQLite file that is not there (opening it would create it); True for any other database."""
        path = sqlite_file(url)
        return path is None or path.exists()

    @staticmethod
    def shown_url(url: str) -> str:
        """A SQLite database by its path, another by its URL without the password: as the operator is told."""
        return display_url(url)

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine underneath, for store/ itself and for tests that look at rows directly."""
        return self._engine

    def revision(self) -> str | None:
        """The schema revision the database is at; None when twostep never created its schema there."""
        return revisions.current_revision(self._engine)

    def upgrade(self, revision: str = "head") -> None:
        """Migrate to the revision; SchemaNewer, and nothing done, when a newer twostep already went further."""
        current = self.revision()
        if current is not None and not revisions.is_known(current):
            raise SchemaNewer(self._shown, current, revisions.head_revision())
        revisions.upgrade(self._engine, revision)

    def require_current_schema(self) -> None:
        """SchemaMissing, SchemaOlder (`twostep db upgrade` helps) or SchemaNewer unless the database is at the
        revision this code was written for."""
        current, head = self.revision(), revisions.head_revision()
        if current is None:
            raise SchemaMissing(self._shown, "holds no twostep schema")
        if current != head:
            known = revisions.is_known(current)
            raise (SchemaOlder if known else SchemaNewer)(self._shown, current, head)

    def check(self, keyring: KeyRing) -> ConsistencyReport:
        """`twostep db check`: whether the database holds only whole changes (store/consistency.py)."""
        return consistency.check(self._engine, keyring)

    def audit_snapshot(self) -> AbstractContextManager[AuditSnapshot]:
        """The audit log and its chain heads as of one moment."""
        return audit_snapshot(self._engine)

    def audit_heads(self) -> list[ChainHead]:
        """Every audit chain's head as it is now, for the server's checkpoints (audit/checkpoints.py)."""
        with self.audit_snapshot() as snapshot:
            return snapshot.heads()

    def key_rotation(
        self,
        key_file: Path,
        *,
        batch_size: int = 100,
        pause: float = 0.0,
        grace: float = 2.0,
        progress: Callable[[Progress], None] | None = None,
        keep_old_keys: bool = False,
    ) -> KeyRotation:
        """`twostep keys rotate` on this database (store/key_rotation.py)."""
        return KeyRotation(
            self._engine,
            key_file,
            batch_size=batch_size,
            pause=pause,
            grace=grace,
            progress=progress,
            keep_old_keys=keep_old_keys,
        )

    def units_of_work(self, head_signer: HeadSigner) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self._engine, head_signer=head_signer)

    def observe(self, observer: DatabaseObserver) -> int:
        """Tell the observer of connections checked out and in and of transactions ended (metrics); returns how
        many connections the pool may open (0: no fixed limit)."""
        observe(self._engine, observer)
        return pool_limit(self._engine)

    def notification_outbox(self) -> SqlNotificationOutbox:
        return SqlNotificationOutbox(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
