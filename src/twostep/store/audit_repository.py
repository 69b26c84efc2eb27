"""The hash-chained audit log in SQL.

Appending locks a chain's head row (UPDATE ... RETURNING) until the transaction ends, so concurrent writers on
any number of processes extend one chain one event at a time, and an event exists only if the change it
describes committed with it. With a HeadSigner, the head row also gets a fresh signature in that transaction.

An account has up to MAX_SHARDS chains (audit/events.py), so that its concurrent writes do not queue on one row.
On PostgreSQL a transaction takes the first of the account's heads no other transaction holds (FOR UPDATE SKIP
LOCKED, picked and bumped in one statement), creates the next shard's head when all are taken, and waits only
when all MAX_SHARDS are; every later event of the transaction goes to the chain it took. SQLite has one writer at
a time anyway: its events all go to shard 0. Each chain is verified on its own (audit/verification.py) and
checkpointed on its own (audit/checkpoints.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.audit.events import GENESIS_HASH, AuditEvent, RecordedEvent, chain_hash, shard_chains
from twostep.audit.head_signature import ChainHead, HeadSignature, HeadSigner
from twostep.store.prepared import Prepared
from twostep.store.tables import audit_events, audit_heads

h = audit_heads.c
e = audit_events.c

# Built once (see device_repository): every change of state appends an event with these three statements.
_BUMP = Prepared(
    audit_heads.update().where(h.chain == sa.bindparam("b_chain")).values(seq=h.seq + 1).returning(h.seq, h.hash)
)
# PostgreSQL: take the first of the account's heads nobody else holds and bump it, in one round trip.
_CHAINS = sa.bindparam("b_chains", type_=postgresql.ARRAY(sa.String))
_FREE_HEAD = (
    sa.select(h.chain).where(h.chain == sa.any_(_CHAINS)).order_by(h.chain).limit(1).with_for_update(skip_locked=True)
).cte("free_head")
_PICK_AND_BUMP = Prepared(
    audit_heads.update().where(h.chain == _FREE_HEAD.c.chain).values(seq=h.seq + 1).returning(h.chain, h.seq, h.hash)
)
_EXISTING_HEADS = Prepared(sa.select(h.chain).where(h.chain == sa.any_(_CHAINS)))
_CREATE_HEAD = Prepared(
    postgresql.insert(audit_heads)
    .values(chain=sa.bindparam("b_chain"), seq=1, hash=GENESIS_HASH)
    .on_conflict_do_nothing()
    .returning(h.chain)
)
_EVENT_COLUMNS = (
    "chain", "seq", "at", "event_name", "account_id", "actor", "source_ip", "mfa_used", "error_code", "details",
    "prev_hash", "hash",
)  # fmt: skip
_INSERT_EVENT = Prepared(audit_events.insert().values({c: sa.bindparam(c) for c in _EVENT_COLUMNS}))
_SET_HEAD_STATEMENT = (
    audit_heads.update()
    .where(h.chain == sa.bindparam("b_chain"))
    .values(hash=sa.bindparam("b_hash"), key_id=sa.bindparam("b_key_id"), mac=sa.bindparam("b_mac"))
)
_SET_HEAD = Prepared(_SET_HEAD_STATEMENT)
# PostgreSQL: the event and the new head in one statement (a data-modifying WITH), one round trip fewer on every
# audited change; both still happen in the caller's transaction, under the head row's lock.
_INSERT_AND_SET_HEAD = Prepared(
    _SET_HEAD_STATEMENT.add_cte(
        audit_events.insert().values({c: sa.bindparam(f"e_{c}") for c in _EVENT_COLUMNS}).cte("appended")
    )
)


def of_account_chains(base: str) -> sa.ColumnElement[bool]:
    """The events of every shard of an account's (or `system`'s) chains."""
    return sa.or_(e.chain == base, e.chain.startswith(base + "/", autoescape=True))


def recorded_event(r: sa.Row[tuple[object, ...]] | sa.RowMapping) -> RecordedEvent:
    event = AuditEvent(
        event_name=r.event_name,
        account_id=r.account_id,
        at=r.at,
        actor=r.actor,
        source_ip=r.source_ip,
        mfa_used=r.mfa_used,
        error_code=r.error_code,
        details=json.loads(r.details),
    )
    return RecordedEvent(r.chain, int(r.seq), event, r.prev_hash, r.hash)


def chain_head(r: sa.Row[tuple[object, ...]]) -> ChainHead:
    signature = HeadSignature(r.key_id, r.mac) if r.key_id is not None and r.mac is not None else None
    return ChainHead(r.chain, int(r.seq), r.hash, signature)


class SqlAuditLog:
    def __init__(self, connection: sa.Connection, signer: HeadSigner | None = None) -> None:
        self._c = connection
        self._signer = signer
        self._taken: dict[str, str] = {}  # the chain this transaction appends to, per account (PostgreSQL)

    def _ensure_head(self, chain: str) -> None:
        values = {"chain": chain, "seq": 0, "hash": GENESIS_HASH}
        if self._c.dialect.name == "postgresql":
            self._c.execute(postgresql.insert(audit_heads).values(values).on_conflict_do_nothing())
        else:
            self._c.execute(sqlite.insert(audit_heads).values(values).on_conflict_do_nothing())

    def _bump(self, chain: str) -> tuple[int, str]:
        row = _BUMP.first(self._c, {"b_chain": chain})
        if row is None:
            self._ensure_head(chain)
            row = _BUMP.one(self._c, {"b_chain": chain})
        return int(row.seq), str(row.hash)

    def _bump_a_shard(self, base: str) -> tuple[str, int, str]:
        """PostgreSQL: the next position on one of the account's chains, locked for this transaction."""
        taken = self._taken.get(base)
        if taken is not None:
            return (taken, *self._bump(taken))
        chains = shard_chains(base)
        row = _PICK_AND_BUMP.first(self._c, {"b_chains": chains})
        if row is not None:
            self._taken[base] = str(row.chain)
            return str(row.chain), int(row.seq), str(row.hash)
        # Every existing head is held by another transaction (or the account has none yet): start a new shard.
        existing = {r.chain for r in _EXISTING_HEADS.all(self._c, {"b_chains": chains})}
        for chain in chains:
            if chain not in existing and _CREATE_HEAD.first(self._c, {"b_chain": chain}) is not None:
                self._taken[base] = chain
                return chain, 1, GENESIS_HASH
        chain = random.choice(chains)  # all MAX_SHARDS are busy: queue on one of them  # noqa: S311
        self._taken[base] = chain
        return (chain, *self._bump(chain))

    def append(self, event: AuditEvent) -> RecordedEvent:
        if self._c.dialect.name == "postgresql":
            chain, seq, prev_hash = self._bump_a_shard(event.chain)
        else:
            chain = event.chain
            seq, prev_hash = self._bump(chain)
        digest = chain_hash(prev_hash, chain, seq, event)
        row_values = {
            "chain": chain,
            "seq": seq,
            "at": event.at,
            "event_name": event.event_name,
            "account_id": event.account_id,
            "actor": event.actor,
            "source_ip": event.source_ip,
            "mfa_used": event.mfa_used,
            "error_code": event.error_code,
            "details": json.dumps(event.details, sort_keys=True),
            "prev_hash": prev_hash,
            "hash": digest,
        }
        signature = self._signer.sign(chain, seq, digest) if self._signer is not None else None
        head_values = {
            "b_chain": chain,
            "b_hash": digest,
            "b_key_id": signature.key_id if signature else None,
            "b_mac": signature.mac if signature else None,
        }
        if self._c.dialect.name == "postgresql":
            _INSERT_AND_SET_HEAD.owe(self._c, {**head_values, **{f"e_{k}": v for k, v in row_values.items()}})
        else:
            _INSERT_EVENT.rowcount(self._c, row_values)
            _SET_HEAD.rowcount(self._c, head_values)
        return RecordedEvent(chain, seq, event, prev_hash, digest)

    def events(self, account_chain: str | None = None) -> Iterator[RecordedEvent]:
        """Every event, or those of one account's chains (all its shards), oldest first."""
        query = sa.select(audit_events).order_by(e.at, e.chain, e.seq)
        if account_chain is not None:
            query = query.where(of_account_chains(account_chain))
        for r in self._c.execute(query):
            yield recorded_event(r)

    def heads(self) -> dict[str, tuple[int, str]]:
        return {r.chain: (int(r.seq), r.hash) for r in self._c.execute(sa.select(audit_heads))}

    def signed_heads(self) -> list[ChainHead]:
        return [chain_head(r) for r in self._c.execute(sa.select(audit_heads).order_by(h.chain))]
