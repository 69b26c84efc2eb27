"""SQLite's write-ahead log reaches the database file from a background thread, not inside a request's commit."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from twostep.store.engine import CHECKPOINT_INTERVAL, CHECKPOINT_THREAD, create_engine, writer_lock
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
    """Writers never pause for a checkpoint; the log still goes back to its start instead of growing with every commit.

    Deterministic: a fixed number of commits, with a checkpoint marked due every 40 of them (the thread's part is
    the test above); nothing depends on how fast the machine is.
    """
    database = tmp_path / "busy.db"
    engine = create_engine(f"sqlite:///{database}")
    writers = writer_lock(engine)
    assert writers is not None
    factory = SqlUnitOfWorkFactory(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER, pad TEXT)")
    rounds, per_round = 12, 40
    for round_ in range(rounds):
        # What the background thread does after each of its passes, however slow the machine: the next writer
        # finishes the checkpoint right after its commit, and the writer after that starts the log afresh.
        writers.checkpoint_due = True
        for n in range(per_round):
            with factory() as uow:  # the server's way to write: queued on the writer lock, never pausing
                uow.connection.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (round_ * per_round + n, "x" * 3000))
                uow.commit()
    log_bytes = (tmp_path / "busy.db-wal").stat().st_size
    written = rounds * per_round
    # Every commit appends at least one 4 KiB page: a log that never started afresh would hold all of them; one that
    # starts afresh after each round's first commit holds about one round's.
    assert log_bytes < 3 * per_round * 2 * 4096, f"{written} commits, log of {log_bytes} bytes"
    assert rows_in_main_file(database, tmp_path / "copy.db") <= written
    engine.dispose()
