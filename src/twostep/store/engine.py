"""Engines for the embedded default (SQLite in the data directory) and for PostgreSQL (psycopg 3)."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from twostep.store import batched_transaction

log = logging.getLogger("twostep.store")
LOCK_SUFFIX = ".writer-lock"


class WriterLock:
    """Serialises write transactions on one SQLite file without SQLite's busy loop.

    SQLite lets one writer in at a time; a second `BEGIN IMMEDIATE` waits in SQLite's busy handler, which polls
    with sleeps of up to 100 ms, so under concurrent writes most of the time goes to sleeping. Writers queue here
    instead: a thread lock within the process, and flock(2) on a lock file beside the database across the
    processes of one host (SQLite serves one machine). The lock is re-entrant within a thread, as SQLite's own
    lock never was: a nested write unit of work still waits for the outer one to commit, in SQLite.

    Waiting is bounded as SQLite's busy timeout bounds it: after `timeout` seconds a writer goes on without this
    lock, and SQLite's own lock (busy_timeout, 30 s) decides, with its "database is locked" error if it must.
    """

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._path = path
        self._timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        # Set by the background checkpoint: the next writer finishes it after its commit (see CHECKPOINT_INTERVAL).
        self.checkpoint_due = False

    def acquire(self) -> bool:
        """True when this thread now holds the lock (release() it); False when the wait timed out."""
        if not self._thread_lock.acquire(timeout=self._timeout):
            return False
        try:
            if self._depth == 0 and not self._lock_file():
                self._thread_lock.release()
                return False
            self._depth += 1
            return True
        except BaseException:
            self._thread_lock.release()
            raise

    def _lock_file(self) -> bool:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self._timeout
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:  # another process is writing: only then is this a (short) poll
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.005)

    def release(self) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_writer_locks: dict[str, WriterLock] = {}
_writer_locks_guard = threading.Lock()


def writer_lock(engine: sa.Engine) -> WriterLock | None:
    """The writer lock of a SQLite database file (one per file and process); None for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = str(Path(database).resolve())
    with _writer_locks_guard:
        lock = _writer_locks.get(path)
        if lock is None:
            lock = _writer_locks[path] = WriterLock(Path(path + LOCK_SUFFIX))
        return lock


_byte_ordered: dict[str, bool] = {}


def byte_ordered(connection: sa.Connection) -> bool:
    """Whether the database's default collation orders text by code point, as Python does (SQLite: always; a
    PostgreSQL database created with the C or C.UTF-8 locale: yes). Otherwise ordered queries that must agree
    with Python's order say COLLATE "C", at the price of not using the column's index for the order."""
    if connection.dialect.name == "sqlite":
        return True
    key = str(connection.engine.url)
    known = _byte_ordered.get(key)
    if known is None:
        collation = connection.exec_driver_sql(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()"
        ).scalar_one()
        known = _byte_ordered[key] = str(collation) in ("C", "POSIX", "C.UTF-8", "C.utf8")
    return known


def normalise_url(url: str) -> str:
    """Accept a plain libpq URL (postgresql://...) and select psycopg 3 for it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# `?pool_mode=transaction` on a PostgreSQL URL says a pooler such as PgBouncer in transaction pooling mode sits in
# front (docs/deploy.md): consecutive transactions of one client connection may then run on different server
# connections, so nothing may outlive a transaction on the server. twostep sets no session state (no SET, no
# advisory lock, no LISTEN, no cursor WITH HOLD) whatever the mode; the one thing it must turn off is psycopg's
# server-side prepared statements (prepared after 5 uses of a query, on the server connection of the moment).
POOL_MODE = "pool_mode"
POOL_MODES = ("session", "transaction")


def create_engine(url: str) -> sa.Engine:
    url, pool_mode = split_pool_mode(normalise_url(url))
    if url.startswith("sqlite"):
        if pool_mode is not None:
            raise ValueError(f"the database URL's {POOL_MODE} option is for PostgreSQL behind a pooler, not SQLite")
        return _sqlite_engine(url)
    connect_args: dict[str, Any] = {"prepare_threshold": None} if pool_mode == "transaction" else {}
    engine = sa.create_engine(url, pool_size=10, max_overflow=20, connect_args=connect_args)
    _ping_when_idle(engine)
    batched_transaction.send_owed_before_core(engine)
    return engine


def split_pool_mode(url: str) -> tuple[str, str | None]:
    """The URL without twostep's own `pool_mode` option (libpq knows no such option), and its value."""
    parsed = sa.engine.make_url(url)
    if POOL_MODE not in parsed.query:
        return url, None
    mode = parsed.query[POOL_MODE]
    if not isinstance(mode, str) or mode not in POOL_MODES:
        raise ValueError(f"the database URL's {POOL_MODE} must be one of {', '.join(POOL_MODES)}, not {mode!r}")
    return parsed.difference_update_query([POOL_MODE]).render_as_string(hide_password=False), mode


# A pooled connection that sat unused this long is pinged before it is handed out (one round trip), so one that a
# database restart or a network timeout killed is replaced instead of failing a request. Connections in steady use
# skip the ping, which otherwise doubles the round trips of a short transaction.
IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: sa.Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["twostep_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("twostep_idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (SQLAlchemy's documented contract).
            raise sa.exc.DisconnectionError() from exc


def _sqlite_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below decide when transactions start (pysqlite's own handling is not enough
        # for read-modify-write transactions across processes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # see _checkpoint_in_background
        cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # The flags below describe one use of a pooled connection; the next user sets its own.
        record.info.pop("twostep_autocommit", None)
        record.info.pop("twostep_readonly", None)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Writers take the write lock up front, so two processes never both read and then fail to upgrade;
        # snapshot readers (audit_reader) a plain BEGIN; read-only units of work none (see SqlUnitOfWork).
        if connection.info.get("twostep_autocommit", False):
            return
        readonly = connection.info.get("twostep_readonly", False)
        # Straight to the driver: Core's execution machinery costs more than the BEGIN itself (prepared.py).
        connection.connection.dbapi_connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")  # type: ignore[union-attr]

    _checkpoint_in_background(engine)
    return engine


# SQLite copies its write-ahead log back into the database file (a checkpoint) every 1,000 pages by default,
# inside whichever commit crosses that mark: that commit then takes milliseconds, and those commits were the p99
# of GetSessionToken (docs/performance.md). Connections turn automatic checkpoints off and a thread per engine
# checkpoints instead, beside the requests (a PASSIVE checkpoint waits for no reader or writer, and sqlite3
# releases the GIL while it runs). The pages written meanwhile are then copied by the next writer right after its
# commit, still holding the writer lock (WriterLock.checkpoint_due; a fraction of a millisecond), so that the log
# is complete in the file and the writer after it starts the log afresh: with writers always a little ahead of
# the thread, the log would otherwise grow without end.
CHECKPOINT_INTERVAL = 0.25
CHECKPOINT_THREAD = "twostep-sqlite-checkpoint"
# A log that grew larger once (a bulk import) is cut back to this when it starts afresh.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


def _checkpoint_in_background(engine: sa.Engine) -> None:
    engine_ref = weakref.ref(engine)
    writers = writer_lock(engine)

    def run() -> None:
        while True:
            time.sleep(CHECKPOINT_INTERVAL)
            engine = engine_ref()
            if engine is None:
                return
            try:
                with engine.connect() as connection:
                    driver: Any = connection.connection.dbapi_connection
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if writers is not None:
                    writers.checkpoint_due = True
            except Exception:  # a database being moved or removed (tests, restores): try again next time
                log.debug("WAL checkpoint failed", exc_info=True)
            del engine

    name = f"{CHECKPOINT_THREAD} {engine.url.database}"
    threading.Thread(target=run, name=name, daemon=True).start()


def finish_checkpoint(connection: sa.Connection, writers: WriterLock) -> None:
    """Copy what the background checkpoint left (the pages of the last few commits) while holding the writer lock,
    so that the log is complete in the database file and the next writer starts it afresh."""
    writers.checkpoint_due = False
    try:
        driver: Any = connection.connection.dbapi_connection
        driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # the commit stands; the next round tries again
        log.debug("WAL checkpoint failed", exc_info=True)
