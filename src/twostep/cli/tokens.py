"""`twostep tokens import|list|remove`: the operator's pool of hardware TOTP tokens (docs/hardware-tokens.md)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress as ProgressBar

from twostep import bootstrap
from twostep.cli.common import CommandError, add_data_options, initialised_settings, read_password
from twostep.identity.errors import NoSuchAccount
from twostep.identity.models import User
from twostep.tokens.errors import SeedFileRejected, TokenError
from twostep.tokens.pskc_file import PskcUnlock
from twostep.tokens.seed_files import SeedFormat, read_seed_file
from twostep.tokens.service import Progress

_HEX_KEY = re.compile(rb"(?:[0-9a-fA-F]{2}){16,32}")
AES_KEY_SIZES = (16, 24, 32)


@contextmanager
def _services(args: argparse.Namespace) -> Iterator[tuple[bootstrap.Services, User]]:
    """The services, and the account's root user, whom the audit log names as the actor of operator commands."""
    services = bootstrap.build(initialised_settings(args))
    try:
        try:
            root = services.identity.root_user(args.account_id)
        except NoSuchAccount as exc:
            raise CommandError(f"no account {args.account_id}") from exc
        yield services, root
    finally:
        services.close()


def _pre_shared_key(path: Path) -> bytes:
    """The file's transport key: hex text (whitespace ignored) or the raw 16, 24 or 32 bytes."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read the key file: {exc.strerror}") from exc
    compact = b"".join(content.split())
    if _HEX_KEY.fullmatch(compact) and len(compact) // 2 in AES_KEY_SIZES:
        return bytes.fromhex(compact.decode("ascii"))
    if len(content) in AES_KEY_SIZES:
        return content
    raise CommandError("the key file holds neither a hex AES key nor its 16, 24 or 32 raw bytes")


def _unlock(args: argparse.Namespace) -> PskcUnlock:
    if args.pskc_key_file is not None:
        return PskcUnlock(key=_pre_shared_key(Path(args.pskc_key_file)))
    if args.pskc_password_stdin:
        return PskcUnlock(password=read_password(True))
    return PskcUnlock()


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A progress bar on a terminal (stderr): a pulse while the file is read and checked, then the tokens written.
    Nothing when stderr is a file or a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    with ProgressBar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading and checking the seed file", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, description="importing tokens", completed=done, total=total)

        yield advance


def _describe(rejected: SeedFileRejected) -> str:
    lines = [f"{r.where}{f' ({r.serial})' if r.serial else ''}: {r.reason}" for r in rejected.rejected]
    return "\n  ".join([f"{rejected}:", *lines]) + "\ntwostep: fix the file, or import the rest with --skip-invalid"


def cmd_import(args: argparse.Namespace) -> int:
    """Install a vendor's seed file in the account's pool of unassigned tokens (all or nothing)."""
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from exc
    unlock = _unlock(args)
    seed_format = SeedFormat(args.format) if args.format else None
    with _services(args) as (services, root):
        try:
            with _progress_bar() as progress:
                entries = read_seed_file(data, seed_format, unlock)
                result = services.tokens.import_tokens(
                    args.account_id, entries, actor=root, skip_invalid=args.skip_invalid, progress=progress
                )
        except SeedFileRejected as rejected:
            print(json.dumps({"imported": 0, "rejected": [r.as_json() for r in rejected.rejected]}))
            print(f"twostep: {_describe(rejected)}", file=sys.stderr)
            return 1
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
    print(json.dumps(result.as_json()))
    return 0


def _when(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cmd_list(args: argparse.Namespace) -> int:
    with _services(args) as (services, _root):
        pool = services.tokens.pool(args.account_id)
    print(json.dumps([{"serial": t.serial, "user": t.user_name, "last_used": _when(t.last_used_at)} for t in pool]))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with _services(args) as (services, root):
        try:
            services.tokens.remove(args.account_id, args.serial, actor=root)
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
    print(json.dumps({"removed": args.serial}))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="hardware TOTP tokens: the operator's pool").add_subparsers(
        dest="action", required=True
    )
    load = tokens.add_parser("import", help="install a vendor's seed file (PSKC, CSV or otpauth URIs)")
    add_data_options(load)
    load.add_argument("--account-id", required=True)
    load.add_argument("--format", choices=[f.value for f in SeedFormat], help="default: guessed from the content")
    unlock = load.add_mutually_exclusive_group()
    unlock.add_argument("--pskc-key-file", help="the PSKC file's pre-shared key (hex, or the raw bytes)")
    unlock.add_argument("--pskc-password-stdin", action="store_true", help="read the PSKC file's password from stdin")
    load.add_argument("--skip-invalid", action="store_true", help="import the valid entries and report the rest")
    load.add_argument("file", help="the seed file")
    load.set_defaults(func=cmd_import)

    listing = tokens.add_parser("list", help="the account's tokens: serial, assigned user, last used")
    add_data_options(listing)
    listing.add_argument("--account-id", required=True)
    listing.set_defaults(func=cmd_list)

    remove = tokens.add_parser("remove", help="remove an unassigned token (and its seed) for good")
    add_data_options(remove)
    remove.add_argument("--account-id", required=True)
    remove.add_argument("serial")
    remove.set_defaults(func=cmd_remove)
