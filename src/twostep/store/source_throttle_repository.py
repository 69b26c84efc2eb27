"""Failed codes per source address (S10), shared by every server process through the database.

A code check reads its source's row without a lock (in the device's reserving statement, store/device_repository.py;
`recent_delay` for recovery codes and to tell why a reservation was refused): a source with no recent failure -
nearly every check - costs that read and nothing else, no row created, no lock taken. Only a source with recent
failures is locked (`wait_until`), and only *after* the device's (or recovery codes') row was reserved, the same
order in which a failure is recorded (device, then source): one lock order everywhere, so two checks never deadlock.
CodeVerifier takes the reservation back when the source turns out to be inside its delay once locked.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.store.prepared import Prepared
from twostep.store.tables import source_throttles

t = source_throttles.c

# Built once: every code check reads its source's state with the first, a source with recent failures also with
# the second.
_STATE = sa.select(t.next_attempt_at, t.last_failure_at).where(t.source == sa.bindparam("b_source"))
_STATE_READ = Prepared(_STATE)
_STATE_LOCKED = Prepared(_STATE.with_for_update())


class SqlSourceThrottleRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def recent_delay(self, source: str, now: float, forget_after: float) -> float | None:
        """None for a quiet source (no row, or no failure in forget_after seconds), else its next_attempt_at; a
        plain read, no lock."""
        row = _STATE_READ.first(self._c, {"b_source": source})
        if row is None or row.last_failure_at < now - forget_after:
            return None
        return float(row.next_attempt_at)

    def wait_until(self, source: str, now: float, forget_after: float) -> float:
        """When the source may next have a code evaluated (0: now), under its row lock until the transaction ends:
        parallel attempts from a source with recent failures queue here, each seeing the delay the one before
        earned (PostgreSQL; SQLite's write lock is held anyway). Taken after the device's row (see above)."""
        row = _STATE_LOCKED.first(self._c, {"b_source": source})
        if row is None or row.last_failure_at < now - forget_after:
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
