"""Every expected failure of a `twostep` command as one line for the operator (what failed, what to do) and an exit
code of its own; anything else is an internal error. `twostep --debug ...` adds the traceback (cli/main.py)."""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path

from twostep.cli.errors import CannotListen, CommandError, KeyFileLost
from twostep.crypto.keyring import KeyFileMalformed, KeyFileMissing, KeyFileUnreadable, KeyRingError
from twostep.data_dir import DataDirNotWritable
from twostep.settings import Settings
from twostep.store.failures import (
    DatabaseDamaged,
    DatabaseFailure,
    DatabaseFileNotWritable,
    DatabaseRefused,
    DatabaseUnreachable,
    SchemaMissing,
    SchemaNewer,
    SchemaOlder,
    translate,
)


class ExitCode(IntEnum):
    """The exit status of `twostep` (README: "When a command fails")."""

    OK = 0
    CHECK_FAILED = 1  # a check ran and found problems: audit verify, db check, an unfinished keys rotate, ...
    REFUSED = 2  # a wrong argument or a refused request (argparse's usage errors too); nothing changed
    DATABASE_UNREACHABLE = 3
    DATABASE_REFUSED = 4  # it answered and said no: authentication, a missing database or role, a privilege
    SCHEMA_OLDER = 5  # or no schema at all
    SCHEMA_NEWER = 6
    KEY_FILE = 7  # missing, malformed or unreadable
    DATA_DIR_NOT_WRITABLE = 8
    CANNOT_LISTEN = 9  # the port is in use (or the address cannot be bound)
    INTERNAL_ERROR = 70  # a bug: run again with --debug and report the traceback
    INTERRUPTED = 130


DATABASE_URL = "--database-url (or TWOSTEP_DATABASE_URL)"
KEY_FILE_NEEDED = "without it the seeds and secret keys in the database cannot be read"
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def describe(exc: BaseException, settings: Settings | None) -> tuple[str, ExitCode]:
    """The line (without the `twostep: ` prefix) and the exit code for a failure; `settings` (when known) tell
    which files are the data directory's and which database was meant."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", ExitCode.INTERRUPTED
    if isinstance(exc, CommandError):
        return str(exc), ExitCode.REFUSED
    line = _key_file(exc, settings) or _data_dir(exc, settings) or _listening(exc)
    if line is not None:
        return line
    failure = exc if isinstance(exc, DatabaseFailure) else None
    if failure is None and settings is not None:
        failure = translate(exc, settings.database_url)
    if failure is not None:
        return _database(failure, settings)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return (
        f"internal error ({type(exc).__name__}{': ' + first_line if first_line else ''}); run the command again "
        "with --debug for the traceback, and report it",
        ExitCode.INTERNAL_ERROR,
    )


def _key_file(exc: BaseException, settings: Settings | None) -> tuple[str, ExitCode] | None:
    if isinstance(exc, KeyFileLost):
        line = (
            f"the key file {exc.key_file} is missing, but the database {exc.database} already holds a twostep "
            f"schema; restore {exc.key_file.name} from a backup ({KEY_FILE_NEEDED}), or use an empty database for "
            "a new installation"
        )
    elif isinstance(exc, KeyFileMissing):
        line = f"the key file {exc.path} is missing; restore it from a backup ({KEY_FILE_NEEDED})"
    elif isinstance(exc, KeyFileMalformed):
        line = f"the key file {exc.path} is malformed ({exc.detail}); restore it from a backup ({KEY_FILE_NEEDED})"
    elif isinstance(exc, KeyFileUnreadable):
        line = (
            f"cannot read the key file {exc.path} ({exc.detail}); run twostep as the user that owns the data "
            "directory, with the file readable by that user (mode 0600)"
        )
    elif isinstance(exc, KeyRingError):  # a value sealed under a key the file does not hold, or that fails to open
        key_file = settings.key_file if settings is not None else "the key file"
        line = (
            f"{key_file} does not open the database's sealed data ({exc}); restore the key file that belongs to "
            "this database from a backup"
        )
    else:
        return None
    return line, ExitCode.KEY_FILE


def _data_dir(exc: BaseException, settings: Settings | None) -> tuple[str, ExitCode] | None:
    if isinstance(exc, DataDirNotWritable):
        return _not_writable(exc.data_dir, exc.reason)
    if settings is None or not isinstance(exc, OSError) or exc.errno not in NOT_WRITABLE or exc.filename is None:
        return None
    path = Path(str(exc.filename))
    if not _inside(path, settings.data_dir):
        return None
    return _not_writable(settings.data_dir, f"{(exc.strerror or 'not allowed').lower()}: {path}")


def _not_writable(directory: Path, reason: str) -> tuple[str, ExitCode]:
    return (
        f"cannot write to the data directory {directory} ({reason}); run twostep as the user that owns it, or "
        "choose another --data-dir",
        ExitCode.DATA_DIR_NOT_WRITABLE,
    )


def _inside(path: Path, directory: Path) -> bool:
    path, directory = path.absolute(), directory.absolute()
    return path == directory or directory in path.parents


def _listening(exc: BaseException) -> tuple[str, ExitCode] | None:
    if not isinstance(exc, CannotListen):
        return None
    return f"cannot listen on {exc.address} ({exc.reason}); {exc.hint}", ExitCode.CANNOT_LISTEN


def _database(failure: DatabaseFailure, settings: Settings | None) -> tuple[str, ExitCode]:
    database = failure.database
    if isinstance(failure, DatabaseUnreachable):
        return (
            f"cannot reach the database {database} ({failure.reason}); check that it is running and that "
            f"{DATABASE_URL} names it",
            ExitCode.DATABASE_UNREACHABLE,
        )
    if isinstance(failure, DatabaseRefused):
        return (
            f"the database {database} refused access ({failure.reason}); check the user, password and database "
            f"name in {DATABASE_URL}, and that user's privileges",
            ExitCode.DATABASE_REFUSED,
        )
    if isinstance(failure, DatabaseFileNotWritable):
        directory = failure.path.parent
        if settings is not None and _inside(directory, settings.data_dir):
            directory = settings.data_dir
        return _not_writable(directory, f"{failure.reason}: {failure.path}")
    if isinstance(failure, DatabaseDamaged):
        return (
            f"the database {database} is not a twostep database or is damaged ({failure.reason}); restore it from "
            "a backup",
            ExitCode.DATABASE_REFUSED,
        )
    if isinstance(failure, SchemaMissing):
        return (
            f"the database {database} {failure.reason}; check {DATABASE_URL}, or restore the database from a backup",
            ExitCode.SCHEMA_OLDER,
        )
    if isinstance(failure, SchemaOlder):
        return (
            f"the database {database} is at schema revision {failure.current}, older than this twostep's "
            f"{failure.head}; back it up, then run `twostep db upgrade` with the same --data-dir and --database-url",
            ExitCode.SCHEMA_OLDER,
        )
    if isinstance(failure, SchemaNewer):
        return (
            f"the database {database} is at schema revision {failure.current}, which this twostep does not know "
            f"(its newest is {failure.head}): a newer twostep upgraded it; run that version (or a newer one)",
            ExitCode.SCHEMA_NEWER,
        )
    return f"the database {database} failed ({failure.reason})", ExitCode.DATABASE_REFUSED
