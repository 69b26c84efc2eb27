"""`twostep audit verify` and `twostep audit export`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from twostep.audit.checkpoints import CHECKPOINT_FILE, read_checkpoints
from twostep.audit.cloudtrail import to_cloudtrail
from twostep.audit.head_signature import HeadSigner
from twostep.audit.rollback import CheckpointIndex
from twostep.audit.verification import verify_chains
from twostep.cli.common import CommandError, add_data_options, initialised_settings
from twostep.crypto.keyring import KeyRing
from twostep.store.database import Database


def load_checkpoints(path: Path, signer: HeadSigner, *, required: bool) -> CheckpointIndex:
    """The checkpoints in the file; none when the server's own file does not exist yet (a named file must)."""
    try:
        return CheckpointIndex.build(read_checkpoints(path), signer, str(path))
    except FileNotFoundError as exc:
        if required:
            raise CommandError(f"--checkpoints: no such file: {path}") from exc
        return CheckpointIndex()
    except OSError as exc:
        raise CommandError(f"cannot read the checkpoints in {path}: {exc.strerror}") from exc


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 with a JSON summary when every chain holds; 1 naming each broken or rolled-back chain and seq."""
    settings = initialised_settings(args)
    keyring = KeyRing.load(settings.key_file)
    signer = HeadSigner(keyring)
    named = args.checkpoints is not None
    checkpoint_file = Path(args.checkpoints) if named else settings.data_dir / CHECKPOINT_FILE
    checkpoints = load_checkpoints(checkpoint_file, signer, required=named)
    with Database(settings.database_url) as database, database.audit_snapshot() as snapshot:
        report = verify_chains(snapshot.events(), snapshot.heads(), signer, snapshot.account_ids(), checkpoints)
    print(json.dumps({**report.as_json(), "checkpoint_file": str(checkpoint_file)}))
    for problem in report.problems:
        where = f"chain {problem.chain}" + (f" seq {problem.seq}" if problem.seq is not None else "")
        print(f"twostep: audit {where}: {problem.message}", file=sys.stderr)
    return 0 if report.intact else 1


def parse_since(value: str) -> float:
    """An ISO 8601 date or time; without a zone it is UTC ("2025-01-31", "2025-01-31T12:00:00Z")."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def cmd_export(args: argparse.Namespace) -> int:
    """CloudTrail-shaped JSON lines on standard output, oldest first."""
    settings = initialised_settings(args)
    count = 0
    with Database(settings.database_url) as database, database.audit_snapshot() as snapshot:
        for recorded in snapshot.events_in_time_order(args.since, args.account):
            sys.stdout.write(json.dumps(to_cloudtrail(recorded), separators=(",", ":")) + "\n")
            count += 1
    sys.stdout.flush()
    print(f"twostep: exported {count} events", file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="check and export the audit log").add_subparsers(
        dest="action", required=True
    )
    verify = audit.add_parser(
        "verify", help="check every audit chain, its signed head and its checkpoints (exit 1 if broken or rolled back)"
    )
    add_data_options(verify)
    verify.add_argument(
        "--checkpoints",
        metavar="FILE",
        help=f"the checkpoints to compare with, e.g. a copy kept on another machine (default: {CHECKPOINT_FILE} in "
        "the data directory)",
    )
    verify.set_defaults(func=cmd_verify)

    export = audit.add_parser("export", help="write the audit log as CloudTrail-style JSON lines")
    add_data_options(export)
    export.add_argument("--since", type=parse_since, help="only events at or after this ISO 8601 time (UTC if bare)")
    export.add_argument("--account", help="only this account's events (its 12-digit id)")
    export.set_defaults(func=cmd_export)
