"""Reading the whole audit log at one point in time: for `twostep audit verify` and `twostep audit export`.

Verification compares events with their heads, so both must come from one snapshot while servers keep appending:
PostgreSQL runs the read in REPEATABLE READ; SQLite's WAL gives a read transaction a snapshot of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from twostep.audit.events import RecordedEvent
from twostep.audit.head_signature import ChainHead
from twostep.store.audit_repository import chain_head, of_account_chains, recorded_event
from twostep.store.tables import accounts, audit_events, audit_heads

e = audit_events.c
BATCH = 1000


class AuditSnapshot:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def events(self) -> Iterator[RecordedEvent]:
        """Every event, ordered by chain then seq, streamed."""
        query = sa.select(audit_events).order_by(e.chain, e.seq).execution_options(yield_per=BATCH)
        for row in self._c.execute(query):
            yield recorded_event(row)

    def heads(self) -> list[ChainHead]:
        return [chain_head(r) for r in self._c.execute(sa.select(audit_heads).order_by(audit_heads.c.chain))]

    def account_ids(self) -> list[str]:
        return list(self._c.execute(sa.select(accounts.c.id).order_by(accounts.c.id)).scalars())

    def events_in_time_order(
        self, since: float | None = None, account_id: str | None = None
    ) -> Iterator[RecordedEvent]:
        """Every event (of an account: all its chains) as one stream in time order, for export."""
        query = sa.select(audit_events).order_by(e.at, e.chain, e.seq)
        if since is not None:
            query = query.where(e.at >= since)
        if account_id is not None:
            query = query.where(of_account_chains(account_id))
        for row in self._c.execute(query.execution_options(yield_per=BATCH)):
            yield recorded_event(row)


@contextmanager
def audit_snapshot(engine: sa.Engine) -> Iterator[AuditSnapshot]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        connection.info["twostep_readonly"] = True  # SQLite: a plain BEGIN, no write lock
        try:
            with connection.begin():
                yield AuditSnapshot(connection)
        finally:
            connection.info["twostep_readonly"] = False
