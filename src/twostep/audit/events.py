"""Audit events: what happened, to whom, from where; never a code, seed, password or secret key (S23)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

GENESIS_HASH = "0" * 64
# An account's events spread over up to this many chains (shards), so that concurrent writes of one account need
# not wait for each other's chain head (store/audit_repository.py). Shard 0 is named by the account alone.
MAX_SHARDS = 16


def shard_chain(base: str, shard: int) -> str:
    """The name of an account's (or `system`'s) chain number `shard`: ACCOUNT for 0, ACCOUNT/N after."""
    return base if shard == 0 else f"{base}/{shard}"


def shard_chains(base: str) -> list[str]:
    return [shard_chain(base, shard) for shard in range(MAX_SHARDS)]


def base_chain(chain: str) -> str:
    """The account (or `system`) a chain belongs to."""
    return chain.split("/", 1)[0]


@dataclass(frozen=True)
class AuditEvent:
    event_name: str  # CloudTrail-style: ConsoleLogin, EnableMFADevice, MfaCodeRejected, ...
    account_id: str | None
    at: float
    actor: str | None = None  # the ARN of who acted
    source_ip: str | None = None
    mfa_used: bool | None = None
    error_code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def chain(self) -> str:
        """The account's chains (shard 0's name): accounts do not serialise each other's writes, and within an
        account the shards (shard_chain) keep concurrent writes apart."""
        return self.account_id or "system"


@dataclass(frozen=True)
class RecordedEvent:
    chain: str
    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


def canonical_bytes(chain: str, seq: int, event: AuditEvent) -> bytes:
    document = {
        "chain": chain,
        "seq": seq,
        "event_name": event.event_name,
        "account_id": event.account_id,
        "at": repr(float(event.at)),
        "actor": event.actor,
        "source_ip": event.source_ip,
        "mfa_used": event.mfa_used,
        "error_code": event.error_code,
        "details": event.details,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def chain_hash(prev_hash: str, chain: str, seq: int, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the event's canonical form: editing, inserting or deleting breaks it."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_bytes(chain, seq, event)).hexdigest()
