"""The ways a database can fail an operator, as twostep's own exceptions: unreachable, refusing, a file that cannot be
written, a schema missing, older or newer than the code. `translate` reads them out of the driver's errors (psycopg,
sqlite3, as SQLAlchemy wraps them or not), so that no one outside store/ needs to know those libraries."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import sqlalchemy as sa


class DatabaseFailure(Exception):
    """The database could not be used. `database` names it (its URL without a password)."""

    def __init__(self, database: str, reason: str) -> None:
        super().__init__(f"{database}: {reason}")
        self.database = database
        self.reason = reason


class DatabaseUnreachable(DatabaseFailure):
    """No connection: nothing listens there, the host is unknown, the network or the server went away."""


class DatabaseRefused(DatabaseFailure):
    """The server answered and said no: authentication, a missing database or role, a missing privilege."""


class DatabaseFileNotWritable(DatabaseFailure):
    """A SQLite file (or its directory, which holds its journal) cannot be opened or written."""

    def __init__(self, database: str, reason: str, path: Path) -> None:
        super().__init__(database, reason)
        self.path = path


class DatabaseDamaged(DatabaseFailure):
    """A SQLite file that is not a database, or a damaged one."""


class SchemaMissing(DatabaseFailure):
    """The database holds no twostep schema (or, on SQLite, does not exist)."""


class SchemaOutOfDate(DatabaseFailure):
    """The database's schema revision is not the one this code was written for."""

    def __init__(self, database: str, current: str, head: str) -> None:
        super().__init__(database, f"schema revision {current}, this code's is {head}")
        self.current = current
        self.head = head


class SchemaOlder(SchemaOutOfDate):
    """A revision this code knows, before its newest: `twostep db upgrade` brings it up to date."""


class SchemaNewer(SchemaOutOfDate):
    """A revision this code does not know: a newer twostep upgraded the database."""


def display_url(url: str) -> str:
    """The database as it may be shown and logged: a SQLite file by its path, another URL without its password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    shown = parsed.render_as_string(hide_password=True)
    return shown.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def translate(exc: BaseException, url: str) -> DatabaseFailure | None:
    """The failure an exception (or one it was raised from) stands for; None when it is not a known database
    failure (a bug, a constraint, anything else: the caller treats it as internal)."""
    database = display_url(url)
    for error in _chain(exc):
        if isinstance(error, DatabaseFailure):
            return error
        driver = error.orig if isinstance(error, sa.exc.DBAPIError) else error
        if isinstance(driver, psycopg.Error):
            return _postgresql(driver, database)
        if isinstance(driver, sqlite3.Error):
            return _sqlite(driver, database, sqlite_file(url))
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# The server's own words after libpq's severity ("FATAL:  password authentication failed for user ...").
_SERVER_SAID = re.compile(r"(?:FATAL|ERROR):\s+(.+)")
_REFUSED_CLASSES = ("28", "3D", "42501", "53300")  # authorization, catalog name, privilege, too many connections
_GONE = ("57P01", "57P02", "57P03", "08000", "08003", "08006")  # shut down, starting up, connection lost


def _postgresql(error: psycopg.Error, database: str) -> DatabaseFailure | None:
    sqlstate = error.sqlstate or ""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if sqlstate.startswith(_REFUSED_CLASSES):
        return DatabaseRefused(database, error.diag.message_primary or first_line)
    if sqlstate in _GONE:
        return DatabaseUnreachable(database, error.diag.message_primary or first_line)
    if not isinstance(error, psycopg.OperationalError) or sqlstate:
        return None
    # No SQLSTATE: libpq's own connection failure. When the server answered, its message is in the text.
    said = _SERVER_SAID.search(str(error))
    if said:
        return DatabaseRefused(database, said.group(1).strip())
    return DatabaseUnreachable(database, _connection_reason(first_line))


def _connection_reason(line: str) -> str:
    """'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused' -> the last
    part, in lower case ("connection refused"); other lines as they are."""
    reason = line.rpartition(" failed: ")[2] if " failed: " in line else line
    return reason[:1].lower() + reason[1:]


_NOT_WRITABLE = ("unable to open database file", "attempt to write a readonly database", "readonly database")
_DAMAGED = ("file is not a database", "database disk image is malformed")


def _sqlite(error: sqlite3.Error, database: str, path: Path | None) -> DatabaseFailure | None:
    message = str(error)
    if path is not None and any(words in message for words in _NOT_WRITABLE):
        return DatabaseFileNotWritable(database, message, path)
    if any(words in message for words in _DAMAGED):
        return DatabaseDamaged(database, message)
    return None
