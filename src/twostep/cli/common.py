"""What every command shares: the data-directory options, settings and the checks that a data directory is ready,
password input, operator errors."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from twostep.cli.errors import CommandError as CommandError
from twostep.cli.errors import KeyFileLost
from twostep.crypto.keyring import KeyRing
from twostep.data_dir import DataDirNotWritable, require_writable
from twostep.settings import Settings
from twostep.store.database import Database
from twostep.store.failures import SchemaMissing


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", required=True, help="directory holding the key file (and the SQLite database)")
    parser.add_argument(
        "--database-url",
        help="e.g. postgresql://postgres@127.0.0.1:5432/twostep (default: SQLite in the data directory; "
        "also TWOSTEP_DATABASE_URL)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    from twostep.store.engine import normalise_url, split_pool_mode

    settings = Settings.from_environment(Path(args.data_dir), getattr(args, "database_url", None))
    try:
        _url, pool_mode = split_pool_mode(normalise_url(settings.database_url))
    except ValueError as exc:  # the URL's own syntax, or its pool_mode option
        raise CommandError(f"--database-url / TWOSTEP_DATABASE_URL: {exc}") from exc
    if pool_mode is not None and settings.is_sqlite:
        raise CommandError("--database-url / TWOSTEP_DATABASE_URL: pool_mode is for PostgreSQL behind a pooler")
    return settings


def initialised_settings(args: argparse.Namespace) -> Settings:
    """The settings of a data directory that is ready to use, checked before anything is written: its key file
    there and readable, the directory writable where SQLite keeps its journal, the database reachable and at the
    schema revision of this code. Each failure is its own exception (cli/failures.py words them)."""
    settings = settings_from(args)
    if not settings.key_file.exists():
        refuse_if_the_database_is_used(settings)
        raise CommandError(f"{settings.data_dir} is not initialised; run `twostep init` first")
    KeyRing.load(settings.key_file)
    require_database_directory(settings)
    if not Database.exists(settings.database_url):
        raise SchemaMissing(Database.shown_url(settings.database_url), "does not exist")
    with Database(settings.database_url) as database:
        database.require_current_schema()
    return settings


def refuse_if_the_database_is_used(settings: Settings) -> None:
    """KeyFileLost when the data directory has no key file but the database already holds a twostep schema: its
    data was sealed with a key file that is not here (the database is opened only if it exists)."""
    if not Database.exists(settings.database_url):
        return
    with Database(settings.database_url) as database:
        if database.revision() is not None:
            raise KeyFileLost(settings.key_file, Database.shown_url(settings.database_url))


def require_database_directory(settings: Settings) -> None:
    """On SQLite, the directory of the database file must be writable: even reading writes its journal (-wal,
    -shm) and the writer lock there."""
    path = Database.sqlite_file(settings.database_url)
    if path is None:
        return
    require_writable(path.parent)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DataDirNotWritable(path.parent, f"permission denied: {path}")


def warn_if_widened(lines: list[str]) -> None:
    """Say on stderr which paths of the data directory were readable by others (they are private now)."""
    for line in lines:
        print(f"twostep: warning: {line}", file=sys.stderr)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("the two passwords differ")
    return first
