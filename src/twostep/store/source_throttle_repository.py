"""Failed codes per source address (S10), shared by every server process through the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.store.tables import source_throttles

t = source_throttles.c


class SqlSourceThrottleRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def wait_until(self, source: str, now: float, forget_after: float) -> float:
        """When the source may next have a code evaluated (0: now).

        A source with a recent failure is locked for the rest of the transaction (PostgreSQL; SQLite's write lock
        is held anyway), so parallel attempts from it queue up and each sees the delay the one before earned. A
        source with no recent failure (every honest client, nearly always) takes no lock: its attempts do not
        serialise each other.
        """
        query = sa.select(t.next_attempt_at, t.last_failure_at).where(t.source == source)
        row = self._c.execute(query).first()
        if row is None or row.last_failure_at < now - forget_after:
            return 0.0
        row = self._c.execute(query.with_for_update()).first()
        return 0.0 if row is None else float(row.next_attempt_at)

    def record_failure(self, source: str, now: float, forget_after: float) -> int:
        """Count one failure of the source and return its consecutive failures (a quiet source starts again at 1)."""
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(source_throttles)
            .values(source=source, failures=1, next_attempt_at=0.0, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=[t.source],
                set_={
                    "failures": sa.case((t.last_failure_at < now - forget_after, 1), else_=t.failures + 1),
                    "last_failure_at": now,
                },
            )
            .returning(t.failures)
        )
        return int(self._c.execute(statement).scalar_one())

    def set_delay(self, source: str, next_attempt_at: float) -> None:
        self._c.execute(source_throttles.update().where(t.source == source).values(next_attempt_at=next_attempt_at))
