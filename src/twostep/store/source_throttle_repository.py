"""Failed codes per source address (S10), shared by every server process through the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.store.prepared import Prepared
from twostep.store.tables import source_throttles

t = source_throttles.c

# Built once: every code check reads its source's state with it.
_STATE_LOCKED = Prepared(
    sa.select(t.next_attempt_at, t.last_failure_at).where(t.source == sa.bindparam("b_source")).with_for_update()
)

# The row a code check creates when its source has none yet, built once per dialect.
_ENSURE_ROW = {
    name: Prepared(
        dialect.insert(source_throttles)
        .values(source=sa.bindparam("b_source"), failures=0, next_attempt_at=0.0, last_failure_at=0.0)
        .on_conflict_do_nothing(index_elements=[t.source])
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlSourceThrottleRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def wait_until(self, source: str, now: float, forget_after: float) -> float:
        """When the source may next have a code evaluated (0: now); locks the source's row until the transaction
        ends.

        The row is created if need be and locked *before* the device row, in every code check: with one lock
        order everywhere two attempts can never deadlock (a failure recorded later updates a row this transaction
        already holds), and parallel attempts from one address queue up, each seeing the delay the one before
        earned (PostgreSQL; SQLite's write lock is held anyway).
        """
        params = {"b_source": source}
        row = _STATE_LOCKED.first(self._c, params)
        if row is None:  # the source's first check: create its row (or find the one a parallel check made), lock it
            _ENSURE_ROW[self._c.dialect.name].rowcount(self._c, params)
            row = _STATE_LOCKED.one(self._c, params)
        if row.last_failure_at < now - forget_after:
            return 0.0
        return float(row.next_attempt_at)

    def _insert(self) -> postgresql.Insert | sqlite.Insert:
        return (
            postgresql.insert(source_throttles)
            if self._c.dialect.name == "postgresql"
            else sqlite.insert(source_throttles)
        )

    def record_failure(self, source: str, now: float, forget_after: float) -> int:
        """Count one failure of the source and return its consecutive failures (a quiet source starts again at 1)."""
        statement = (
            self._insert()
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
