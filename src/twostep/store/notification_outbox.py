"""The audit log read as a mail outbox, with one cursor row per chain (notify/dispatcher.py explains the protocol).

Claims are conditional UPDATEs whose row count says who won, which works the same on PostgreSQL (row lock) and
SQLite (database write lock); each method is one short transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.audit.events import RecordedEvent
from twostep.notify.ports import PendingChain
from twostep.store.audit_repository import recorded_event
from twostep.store.tables import audit_events, audit_heads, notification_cursors, users

n = notification_cursors.c
h = audit_heads.c
e = audit_events.c


class SqlNotificationOutbox:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @contextmanager
    def _transaction(self, readonly: bool = False) -> Iterator[sa.Connection]:
        with self._engine.connect() as connection:
            connection.info["twostep_readonly"] = readonly
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.info["twostep_readonly"] = False

    def pending(self, now: float, limit: int) -> list[PendingChain]:
        done = sa.func.coalesce(n.seq, 0)
        query = (
            sa.select(h.chain, done.label("done"), h.seq)
            .select_from(audit_heads.outerjoin(notification_cursors, n.chain == h.chain))
            .where(h.seq > done, sa.or_(n.claimed_until.is_(None), n.claimed_until < now))
            .order_by(h.chain)
            .limit(limit)
        )
        with self._transaction(readonly=True) as c:
            return [PendingChain(r.chain, int(r.done), int(r.seq)) for r in c.execute(query)]

    def claim(self, chain: str, done_seq: int, owner: str, until: float, now: float) -> bool:
        values = {"chain": chain, "seq": 0}
        with self._transaction() as c:
            insert = postgresql.insert if c.dialect.name == "postgresql" else sqlite.insert
            c.execute(insert(notification_cursors).values(values).on_conflict_do_nothing())
            taken = c.execute(
                notification_cursors.update()
                .where(
                    n.chain == chain,
                    n.seq == done_seq,
                    sa.or_(n.claimed_until.is_(None), n.claimed_until < now),
                )
                .values(claimed_by=owner, claimed_until=until)
            )
            return taken.rowcount == 1

    def renew(self, chain: str, owner: str, until: float) -> bool:
        with self._transaction() as c:
            updated = c.execute(
                notification_cursors.update().where(n.chain == chain, n.claimed_by == owner).values(claimed_until=until)
            )
            return updated.rowcount == 1

    def events(self, chain: str, after: int, through: int, names: frozenset[str]) -> list[RecordedEvent]:
        query = (
            sa.select(audit_events)
            .where(e.chain == chain, e.seq > after, e.seq <= through, e.event_name.in_(sorted(names)))
            .order_by(e.seq)
        )
        with self._transaction(readonly=True) as c:
            return [recorded_event(r) for r in c.execute(query)]

    def advance(self, chain: str, seq: int, owner: str) -> bool:
        with self._transaction() as c:
            updated = c.execute(
                notification_cursors.update()
                .where(n.chain == chain, n.claimed_by == owner, n.seq <= seq)
                .values(seq=seq)
            )
            return updated.rowcount == 1

    def release(self, chain: str, owner: str, retry_at: float | None = None) -> None:
        with self._transaction() as c:
            c.execute(
                notification_cursors.update()
                .where(n.chain == chain, n.claimed_by == owner)
                .values(claimed_by=None, claimed_until=retry_at)
            )

    def owner_email(self, account_id: str) -> str | None:
        query = sa.select(users.c.email).where(users.c.account_id == account_id, users.c.is_root.is_(True))
        with self._transaction(readonly=True) as c:
            email = c.execute(query).scalar_one_or_none()
        return str(email) if email else None
