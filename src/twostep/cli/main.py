"""Assembles the `twostep` command from one module per area; each module registers its subcommands. Every failure
of every command ends here: one line on stderr and the exit code of cli/failures.py (`--debug`: the traceback too)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from twostep.cli import accounts, audit, keys, serving, tokens, users
from twostep.cli.common import settings_from
from twostep.cli.failures import describe
from twostep.data_dir import PRIVATE_UMASK
from twostep.settings import Settings

AREAS = (accounts, serving, audit, keys, users, tokens)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twostep",
        description="Self-hosted multi-factor sign-in.",
        epilog="Exit status: 0 done; 1 a check found problems; 2 refused (nothing changed); 3 database unreachable; "
        "4 database refused access; 5 database schema missing or older than twostep; 6 schema newer than twostep; "
        "7 key file missing, malformed or unreadable; 8 data directory not writable; 9 cannot listen (port in "
        "use); 70 internal error.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="when a command fails, also print the traceback (for a bug report)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # What a command creates is its owner's alone, from the first check on (SQLite's -wal and -shm included).
    os.umask(PRIVATE_UMASK)
    try:
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:
        line, code = describe(exc, _settings(args))
        if args.debug:
            traceback.print_exc()
        print(f"twostep: {line}", file=sys.stderr)
        return int(code)


def _settings(args: argparse.Namespace) -> Settings | None:
    """The data directory and database the command was given, to name them in the message (None if they are not
    known or not valid)."""
    try:
        return settings_from(args)
    except Exception:
        return None
