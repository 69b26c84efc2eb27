"""SQLite writers queue on the WriterLock (threads of a process, processes of a host), never forever."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from twostep.store.engine import WriterLock, create_engine, writer_lock
from twostep.store.unit_of_work import SqlUnitOfWorkFactory


def test_one_lock_per_database_file_and_none_for_postgresql(tmp_path: Path) -> None:
    first = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    again = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    other = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert writer_lock(first) is writer_lock(again)
    assert writer_lock(first) is not writer_lock(other)
    assert writer_lock(create_engine("postgresql://nobody@127.0.0.1:1/none")) is None
    assert writer_lock(create_engine("sqlite://")) is None


def test_reentrant_within_a_thread_exclusive_across_threads(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "db.writer-lock", timeout=0.2)
    assert lock.acquire() and lock.acquire()
    lock.release()
    taken: list[bool] = []
    thread = threading.Thread(target=lambda: taken.append(lock.acquire()))
    thread.start()
    thread.join()
    assert taken == [False]  # still held once by this thread: the other one gave up after its timeout
    lock.release()
    thread = threading.Thread(target=lambda: (taken.append(lock.acquire()), lock.release()))
    thread.start()
    thread.join()
    assert taken == [False, True]


def test_another_process_holding_the_file_lock_makes_writers_wait_then_give_up(tmp_path: Path) -> None:
    path = tmp_path / "db.writer-lock"
    path.touch()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); "
            "print('held', flush=True); time.sleep(1.0)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock = WriterLock(path, timeout=0.2)
        started = time.monotonic()
        assert not lock.acquire()
        assert 0.15 < time.monotonic() - started < 0.9
        waiting = WriterLock(path, timeout=5)
        assert waiting.acquire()  # granted once the other process lets go
        waiting.release()
    finally:
        holder.wait(timeout=10)
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: nobody holds it any more
    finally:
        os.close(fd)


def test_write_units_of_work_hold_it_until_commit_and_read_only_ones_never(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    uow = SqlUnitOfWorkFactory(engine)
    lock = writer_lock(engine)
    assert lock is not None

    def free_elsewhere() -> bool:
        result: list[bool] = []

        def probe() -> None:
            got = lock._thread_lock.acquire(timeout=0.05)
            result.append(got)
            if got:
                lock._thread_lock.release()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        return result[0]

    with uow(readonly=True):
        assert free_elsewhere()
    with uow() as work:
        assert not free_elsewhere()
        work.commit()
        assert free_elsewhere()
    with uow():
        assert not free_elsewhere()
    assert free_elsewhere()  # rolled back at the end of the block: released too
    engine.dispose()
