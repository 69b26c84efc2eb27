"""Assembles the `twostep` command from one module per area; each module registers its subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from twostep.cli import accounts, audit, keys, serving, tokens, users
from twostep.cli.common import CommandError

AREAS = (accounts, serving, audit, keys, users, tokens)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twostep", description="Self-hosted multi-factor sign-in.")
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CommandError as exc:
        print(f"twostep: {exc}", file=sys.stderr)
        return 2
