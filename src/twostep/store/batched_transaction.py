"""PostgreSQL write transactions sent in batches: one round trip per answer the code waits for.

psycopg opens a transaction by sending BEGIN and waiting for its answer before the first statement, and sends
COMMIT on its own, pipeline mode or not (docs/performance.md, "Round trips"). A write unit of work on PostgreSQL
therefore runs its connection in autocommit mode and says BEGIN itself, and statements whose answer nobody reads
(an INSERT, the audit event and its chain head, the spent step) are owed rather than sent. What is owed goes out in
one pipeline with the next statement whose answer is needed, or with COMMIT: the order of the statements is
kept, so every statement sees the writes before it, as if each had been sent on its own.

A statement owed here cannot report what it changed, so it must not be one whose outcome decides anything; one
that must hold says so in SQL and fails the transaction otherwise (`asserting`: device_repository's spend, the
session a sign-in step replaces). An error in an owed statement surfaces with the batch it went in, and the unit of
work rolls the transaction back; a failed assertion surfaces as WriteConditionFailed.

Statements that do not go through store/prepared.py (SQLAlchemy Core's execution) first send what is owed on
their own (an engine event), so nothing is ever sent out of order: they just do not save a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql.expression import CTE

from twostep.unit_of_work import WriteConditionFailed

# connection.info: the statements (sql, parameters) to send before the next one; absent when not batching.
OWED = "twostep_owed"
_BEGIN = ("BEGIN", None)
_COMMIT = ("COMMIT", None)

Parameters = Mapping[str, Any] | Sequence[Any] | None

# SQLSTATE division_by_zero: in twostep's SQL only an `asserting` statement divides, by the rows it changed.
_ASSERTION_FAILED = "22012"


def asserting(changed: CTE) -> sa.Select[Any]:
    """A statement that runs a data-changing CTE (one with RETURNING) and fails unless it changed a row: what an owed
    write that must hold is sent as (its failure raises WriteConditionFailed)."""
    return sa.select((sa.literal(1, sa.Integer) / sa.func.count()).label("changed")).select_from(changed)


def begin(connection: sa.Connection) -> None:
    """Start a batched transaction on a PostgreSQL connection: its BEGIN goes with the first statement."""
    connection.execution_options(isolation_level="AUTOCOMMIT")
    connection.info[OWED] = [_BEGIN]


def end(connection: sa.Connection) -> None:
    """The unit of work is over (committed or rolled back): the connection batches nothing more."""
    connection.info.pop(OWED, None)


def owe(connection: sa.Connection, sql: str, parameters: Parameters) -> bool:
    """Owe a statement whose answer nobody reads; False when the connection is not batching (send it now)."""
    owed: list[tuple[str, Parameters]] | None = connection.info.get(OWED)
    if owed is None:
        return False
    owed.append((sql, parameters))
    return True


def send(connection: sa.Connection, statements: Sequence[tuple[str, Parameters]]) -> list[Any]:
    """Run statements on the driver, after whatever is owed, all in one round trip; their psycopg cursors."""
    driver: Any = connection.connection.dbapi_connection
    owed: list[tuple[str, Parameters]] | None = connection.info.get(OWED)
    if not owed and len(statements) == 1:
        return [driver.execute(*statements[0])]
    if owed:
        connection.info[OWED] = []
    try:
        with driver.pipeline():
            for owed_sql, owed_parameters in owed or ():
                driver.execute(owed_sql, owed_parameters)
            return [driver.execute(sql, parameters) for sql, parameters in statements]
    except connection.dialect.loaded_dbapi.Error as exc:
        if getattr(exc, "sqlstate", None) == _ASSERTION_FAILED:
            raise WriteConditionFailed() from exc
        raise


def commit(connection: sa.Connection) -> None:
    """COMMIT, with whatever is still owed, in one round trip. A transaction that never sent a statement (only its
    BEGIN is owed) has nothing to commit."""
    owed: list[tuple[str, Parameters]] | None = connection.info.get(OWED)
    if owed is None or owed == [_BEGIN]:
        end(connection)
        return
    try:
        send(connection, [_COMMIT])
    except connection.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            "COMMIT", None, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from exc
    finally:
        end(connection)


def send_owed_before_core(engine: sa.Engine) -> None:
    """Statements run by Core's execution send what is owed first (one round trip of their own), and pooled
    connections forget a batch a unit of work left behind."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: sa.Connection, *_args: Any) -> None:
        if connection.info.get(OWED):
            send(connection, [])

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info.pop(OWED, None)
