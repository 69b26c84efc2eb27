"""Running `twostep` (the real `python -m twostep.cli`) as an operator whose command fails: the one line on stderr,
its exit code, a traceback only with --debug, and nothing written (files and database rows compared)."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path

import sqlalchemy as sa

from twostep import bootstrap
from twostep.crypto.keyring import KeyRing
from twostep.settings import Settings
from twostep.store.database import Database

PASSWORD = "a long enough passphrase"
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _without_file_privileges() -> None:
    """As root, file modes do not apply: drop the two capabilities that bypass them, so that a file of mode 000
    is unreadable and a directory of mode 0500 unwritable for this process too (as for any other user)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run(
    *args: str, stdin: str = "", database_url: str | None = None, debug: bool = False, file_modes: bool = False
) -> subprocess.CompletedProcess[str]:
    """`twostep [--debug] ARGS [--database-url URL]`; `file_modes`: file permissions apply even when run as root."""
    env = {k: v for k, v in os.environ.items() if k != "TWOSTEP_DATABASE_URL"}
    preexec: Callable[[], None] | None = None
    if file_modes and os.geteuid() == 0:
        preexec = _without_file_privileges
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "twostep.cli",
            *(["--debug"] if debug else []),
            *args,
            *(["--database-url", database_url] if database_url else []),
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        preexec_fn=preexec,
    )


def assert_fails(result: subprocess.CompletedProcess[str], line: str, code: int) -> None:
    """Exactly one line on stderr, `twostep: LINE`, no traceback, and the exit code."""
    assert (result.returncode, result.stderr) == (code, f"twostep: {line}\n"), result.stderr
    assert "Traceback" not in result.stderr


def assert_debug_shows_the_traceback(result: subprocess.CompletedProcess[str], line: str, code: int) -> None:
    assert result.returncode == code, result.stderr
    assert result.stderr.startswith("Traceback (most recent call last):"), result.stderr
    assert result.stderr.endswith(f"\ntwostep: {line}\n"), result.stderr


def files(directory: Path) -> dict[str, bytes]:
    """Every file under the directory and its content (SQLite's -wal and -shm aside: database_rows compares the
    database itself). Empty when the directory does not exist."""
    if not directory.exists():
        return {}
    for log in directory.rglob("*-wal"):
        _checkpoint(log.with_name(log.name.removesuffix("-wal")))
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


def _checkpoint(database: Path) -> None:
    """Copy a SQLite database's write-ahead log into its file, as any later connection may do at any moment (the
    server's checkpoint thread does it every quarter second): the file's bytes then stand for its content alone."""
    if database.is_file():
        with suppress(sqlite3.Error), closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def database_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (alembic_version included), in a stable order."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            return {
                name: sorted(tuple(map(repr, row)) for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"'))
                for name in tables
            }
    finally:
        engine.dispose()


def make_data_dir(data_dir: Path, url: str | None, *, revision: str = "head", account: bool = True) -> Settings:
    """A data directory as `twostep init` leaves it (built in-process, quicker than init): its key file, the
    database migrated to `revision`, and (at head) an account. Returns its settings."""
    settings = Settings(data_dir=data_dir, database_url_override=url)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with Database(settings.database_url) as database:
        database.upgrade(revision)
    KeyRing.generate().save(settings.key_file)
    if account:
        services = bootstrap.build(settings)
        try:
            services.identity.create_account("root@example.com", PASSWORD)
        finally:
            services.close()
    return settings
