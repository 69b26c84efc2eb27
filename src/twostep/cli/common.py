"""What every command shares: the data-directory options, settings, password input, operator errors."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from twostep.settings import Settings


class CommandError(Exception):
    """A clear message for the operator; nothing was changed."""


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
    settings = settings_from(args)
    if not settings.key_file.exists():
        raise CommandError(f"{settings.data_dir} is not initialised; run `twostep init` first")
    return settings


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
