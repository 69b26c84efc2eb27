"""SQLite's write-ahead log reaches the database file from a background thread, not inside a request's commit."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from twostep.store.engine import CHECKPOINT_INTERVAL, CHECKPOINT_THREAD, create_engine
from twostep.store.unit_of_work import SqlUnitOfWorkFactory


def rows_in_main_file(database: Path, copy: Path) -> int:
    """Rows a copy of the database file alone holds, without its -wal file: what has been checkpointed."""
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as connection:
        tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0]
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0]) if tables else 0


def checkpoint_threads(database: Path) -> int:
    return sum(thread.name == f"{CHECKPOINT_THREAD} {database}" for thread in threading.enumerate())


def test_commits_leave_checkpoints_to_the_background_thread(tmp_path: Path) -> None:
    database = tmp_path / "twostep.db"
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
    assert checkpoint_threads(database) == 1
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    for n in range(300):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (?)", (n,))
    deadline = time.monotonic() + 20 * CHECKPOINT_INTERVAL
    while rows_in_main_file(database, tmp_path / "copy.db") < 300:
        assert time.monotonic() < deadline, "the log was not checkpointed into the database file"
        time.sleep(CHECKPOINT_INTERVAL / 2)
    engine.dispose()


def test_the_thread_ends_with_its_engine(tmp_path: Path) -> None:
    database = tmp_path / "gone.db"
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (n INTEGER)"))
    assert checkpoint_threads(database) == 1
    engine.dispose()
    del engine, connection
    gc.collect()
    deadline = time.monotonic() + 20 * CHECKPOINT_INTERVAL
    while checkpoint_threads(database):
        assert time.monotonic() < deadline, "the checkpoint thread outlived its engine"
        time.sleep(CHECKPOINT_INTERVAL / 2)


def test_the_log_starts_afresh_under_continuous_writes(tmp_path: Path) -> None:
    """Writers never pause here; the log still goes back to its start instead of growing with every commit."""
    database = tmp_path / "busy.db"
    engine = create_engine(f"sqlite:///{database}")
    factory = SqlUnitOfWorkFactory(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER, pad TEXT)")
    written = 0
    deadline = time.monotonic() + 12 * CHECKPOINT_INTERVAL
    while time.monotonic() < deadline:
        with factory() as uow:  # the server's way to write: queued on the writer lock
            uow.connection.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (written, "x" * 3000))
            uow.commit()
        written += 1
    log_bytes = (tmp_path / "busy.db-wal").stat().st_size
    assert written > 200
    # Every commit appends at least one 4 KiB page: a log that never started afresh would hold them all.
    assert log_bytes < written * 4096 / 2, f"{written} commits, log of {log_bytes} bytes"
    engine.dispose()
