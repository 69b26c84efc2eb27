"""The database's pool and transactions, told to an observer (observability/metrics.py) through SQLAlchemy's events.

Attached only when metrics are on (bootstrap), so a server without them pays nothing. twostep retries no
transaction: a serialisation failure or deadlock ends as a rollback and an error answer, counted as such.
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import event


class DatabaseObserver(Protocol):
    def connection_checked_out(self) -> None: ...
    def connection_checked_in(self) -> None: ...
    def transaction_ended(self, outcome: str) -> None: ...


def pool_limit(engine: sa.Engine) -> int:
    """How many connections the pool may open at once (0: no fixed limit, as for SQLite's pool)."""
    pool: Any = engine.pool
    size, overflow = getattr(pool, "size", None), getattr(pool, "_max_overflow", 0)
    return int(size() + max(0, overflow)) if callable(size) else 0


def observe(engine: sa.Engine, observer: DatabaseObserver) -> None:
    @event.listens_for(engine, "checkout")
    def _checkout(_dbapi: Any, _record: Any, _proxy: Any) -> None:
        observer.connection_checked_out()

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, _record: Any) -> None:
        observer.connection_checked_in()

    @event.listens_for(engine, "commit")
    def _commit(_connection: sa.Connection) -> None:
        observer.transaction_ended("commit")

    @event.listens_for(engine, "rollback")
    def _rollback(_connection: sa.Connection) -> None:
        observer.transaction_ended("rollback")
