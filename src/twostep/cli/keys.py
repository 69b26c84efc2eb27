"""`twostep keys rotate`."""

from __future__ import annotations

import argparse
import json
import sys

from twostep.cli.common import CommandError, add_data_options, initialised_settings
from twostep.crypto.keyring import KeyFileError, KeyRingError
from twostep.data_dir import require_writable
from twostep.store.database import Database
from twostep.store.key_rotation import Progress


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _print_progress(progress: Progress) -> None:
    print(f"twostep: re-encrypting {progress.column}: {progress.done}/{progress.total}", file=sys.stderr, flush=True)


def cmd_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt every sealed secret under a new key while servers keep serving; rerun to resume."""
    settings = initialised_settings(args)
    require_writable(settings.data_dir)  # the key file is rewritten there
    database = Database(settings.database_url)
    rotation = database.key_rotation(
        settings.key_file,
        batch_size=args.batch_size,
        pause=args.pause,
        grace=args.grace,
        progress=_print_progress,
        keep_old_keys=args.keep_old_keys,
    )
    try:
        if args.stage:
            key_id = rotation.stage()
            print(json.dumps({"staged_key_id": key_id}))
            print(f"twostep: copy {settings.key_file} to every node, then run `twostep keys rotate`", file=sys.stderr)
            return 0
        begun = rotation.begin()
        ring, resumed = begun
        verb = "resuming the rotation to" if resumed else "new active key"
        print(f"twostep: {verb} {ring.active_key_id}", file=sys.stderr, flush=True)
        result = rotation.run(begun)
    except KeyFileError:
        raise  # the key file itself: cli/failures.py says what to do
    except KeyRingError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        database.close()
    print(json.dumps(result.as_json()))
    for chain in result.heads_refused:
        print(f"twostep: audit chain {chain}: head not re-signed (run `twostep audit verify`)", file=sys.stderr)
    if result.unreadable:
        print(f"twostep: {len(result.unreadable)} values failed to open; the old keys stay", file=sys.stderr)
    if result.remaining:
        print(
            f"twostep: {result.remaining} values are still being sealed under an old key; give every node the new "
            f"{settings.key_file.name} and run this command again",
            file=sys.stderr,
        )
    if result.complete and args.keep_old_keys:
        print(
            f"twostep: old keys kept; copy {settings.key_file} to every node, then run `twostep keys rotate` again",
            file=sys.stderr,
        )
    return 0 if result.complete else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="manage the key file").add_subparsers(dest="action", required=True)
    rotate = keys.add_parser(
        "rotate", help="re-encrypt every seed and secret key under a new key, online; run again to resume"
    )
    add_data_options(rotate)
    rotate.add_argument("--batch-size", type=_positive, default=100, help="rows per transaction (default 100)")
    rotate.add_argument("--pause", type=float, default=0.0, help="seconds to wait between batches (default 0)")
    rotate.add_argument(
        "--grace",
        type=float,
        default=2.0,
        help="seconds to wait before the last sweep, for servers finishing a write under the old key (default 2)",
    )
    rotate.add_argument(
        "--stage",
        action="store_true",
        help="only add the next key, inactive, to the key file (copy it to every node, then rotate)",
    )
    rotate.add_argument(
        "--keep-old-keys",
        action="store_true",
        help="re-encrypt but keep the old keys in the key file (nodes with their own copy: see docs/key-rotation.md)",
    )
    rotate.set_defaults(func=cmd_rotate)
