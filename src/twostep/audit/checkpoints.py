"""Signed checkpoints of the audit chains' heads, kept outside the database (S33).

A signed head (audit/head_signature.py) proves that a head row was written by a holder of the key, not that it is
the newest one: whoever can write the database can keep a copy of an old head row, signature included, and put it
back after deleting the events that came after it. So the server also writes what each head was, at a fixed
interval and when it stops, to `audit-checkpoints.jsonl` in the data directory (one JSON object a line, appended,
mode 0600) and to its log. A chain only grows, so `twostep audit verify` reports a chain as rolled back when its
head is behind any checkpoint of it, or when the event at a checkpoint's sequence number is not the one
checkpointed.

A checkpoint is an HMAC under the heads' key over (chain, seq, hash, time), tagged so that it is never mistaken
for a head's signature: a forged or edited line fails its check and is reported, not believed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from twostep.audit.head_signature import ChainHead, HeadSignature, HeadSigner

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
RECORD_TYPE = "twostep-audit-checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: float
    signature: HeadSignature

    @property
    def account_id(self) -> str | None:
        """The account whose chain this is (chains are ACCOUNT or ACCOUNT/SHARD; `system` has none)."""
        account = self.chain.split("/", 1)[0]
        return None if account == "system" else account

    @property
    def time(self) -> str:
        return datetime.fromtimestamp(self.at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def line(self) -> str:
        record = {
            "type": RECORD_TYPE,
            "account": self.account_id,
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "time": self.time,
            "at": self.at,
            "key_id": self.signature.key_id,
            "mac": self.signature.mac,
        }
        return json.dumps(record, separators=(",", ":"))

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        """One line of a checkpoint file; ValueError if it is not a checkpoint."""
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or record.get("type") != RECORD_TYPE:
                raise ValueError("not a twostep audit checkpoint")
            chain, seq, digest, at = record["chain"], record["seq"], record["hash"], record["at"]
            key_id, mac = record["key_id"], record["mac"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError("not a twostep audit checkpoint") from exc
        if not (isinstance(chain, str) and isinstance(digest, str) and isinstance(key_id, str)):
            raise ValueError("not a twostep audit checkpoint")
        if not (isinstance(mac, str) and type(seq) is int and isinstance(at, int | float)):
            raise ValueError("not a twostep audit checkpoint")
        return cls(chain, seq, digest, float(at), HeadSignature(key_id, mac))

    def check(self, signer: HeadSigner) -> str | None:
        return signer.check_checkpoint(self.chain, self.seq, self.hash, self.at, self.signature)


def checkpoint_of(head: ChainHead, signer: HeadSigner, at: float) -> Checkpoint:
    return Checkpoint(head.chain, head.seq, head.hash, at, signer.sign_checkpoint(head.chain, head.seq, head.hash, at))


def append_checkpoints(path: Path, checkpoints: Iterable[Checkpoint]) -> None:
    """Append whole lines in one write (O_APPEND: several server processes may share the file), created 0600."""
    data = "".join(checkpoint.line() + "\n" for checkpoint in checkpoints).encode("ascii")
    if not data:
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_checkpoints(path: Path) -> Iterator[tuple[int, Checkpoint | None]]:
    """Every line of a checkpoint file with its line number: the checkpoint, or None for a line that is not one."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, Checkpoint.parse(line)
            except ValueError:
                yield number, None
