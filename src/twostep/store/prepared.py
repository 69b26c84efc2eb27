"""The statements of the hot paths, compiled once per dialect and run on the driver's own connection.

SQLAlchemy Core builds every statement here and keeps owning engines, pools and transactions; what this module
skips is Core's per-execution machinery (compiled-cache lookup, parameter construction, execution context,
events, result metadata), which profiles showed to cost more than SQLite itself on a GetSessionToken
(docs/performance.md). The statement runs on the DB-API connection of the caller's `sa.Connection`, so it is
part of the same transaction, under the same locks.

Rows come back as named tuples with the statement's column keys, passed through the result processors that
SQLAlchemy would apply for the dialect (e.g. SQLite's 0/1 to bool), so repositories read them as they would
read SQLAlchemy's rows (`row.name`).
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from twostep.store import batched_transaction

Processor = Callable[[Any], Any]


class _Form:
    """A statement's compiled form for one dialect."""

    __slots__ = ("columns", "defaults", "positions", "processors", "row", "sql")

    def __init__(
        self,
        sql: str,
        positions: tuple[str, ...] | None,
        defaults: dict[str, Any],
        columns: list[sa.ColumnElement[Any]],
    ) -> None:
        self.sql = sql
        self.positions = positions  # bind names in order for positional drivers (SQLite), else None (named)
        self.defaults = defaults  # values the statement carries itself (`.values(failures=0)`)
        self.columns = columns
        row_class: Any = cast(Any, namedtuple)("Row", [column.key for column in columns]) if columns else None
        self.row: Callable[[Sequence[Any]], Any] | None = row_class._make if columns else None
        # Learnt from the first result: some processors depend on the type the driver reports (PostgreSQL).
        self.processors: tuple[tuple[int, Processor], ...] | None = None

    def learn_processors(
        self, dialect: Dialect, description: Sequence[Sequence[Any]]
    ) -> tuple[tuple[int, Processor], ...]:
        found = []
        for index, (column, described) in enumerate(zip(self.columns, description, strict=True)):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            if processor is not None:
                found.append((index, processor))
        self.processors = tuple(found)
        return self.processors

    def rows(self, dialect: Dialect, cursor: Any) -> list[Any]:
        """A cursor's rows as named tuples, through the dialect's result processors."""
        rows = cursor.fetchall()
        assert self.row is not None, "statement returns no rows"
        make = self.row
        processors = self.processors
        if processors is None:
            processors = self.learn_processors(dialect, cursor.description)
        if not processors:
            return [make(r) for r in rows]
        out = []
        for r in rows:
            values = list(r)
            for index, processor in processors:
                values[index] = processor(values[index])
            out.append(make(values))
        return out


class Prepared:
    """One Core statement, compiled on first use per dialect, executed without Core's per-call work."""

    __slots__ = ("_forms", "_statement")

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._forms: dict[str, _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = self._compile(dialect)
        return form

    def _compile(self, dialect: Dialect) -> _Form:
        compiled = self._statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if "POSTCOMPILE" in compiled.string:  # expanding IN lists and the like need Core's execution
            raise ValueError("statement needs SQLAlchemy's post-compile step")
        defaults = {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}
        positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        return _Form(compiled.string, positions, defaults, list(getattr(self._statement, "exported_columns", ())))

    def _bind(self, connection: sa.Connection, params: Mapping[str, Any] | None) -> tuple[_Form, Any]:
        """The statement's form for the connection's dialect and its parameters as the driver takes them."""
        form = self._form(connection.dialect)
        values = {**form.defaults, **params} if params else form.defaults
        return form, tuple(values[name] for name in form.positions) if form.positions is not None else values

    def _cursor(self, connection: sa.Connection, params: Mapping[str, Any] | None) -> tuple[Any, _Form]:
        form, bound = self._bind(connection, params)
        return _execute(connection, [(form.sql, bound)])[0], form

    def all(self, connection: sa.Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        cursor, form = self._cursor(connection, params)
        return form.rows(connection.dialect, cursor)

    def first(self, connection: sa.Connection, params: Mapping[str, Any] | None = None) -> Any | None:
        rows = self.all(connection, params)
        return rows[0] if rows else None

    def one(self, connection: sa.Connection, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.all(connection, params)
        if len(rows) != 1:
            raise sa.exc.NoResultFound("no row") if not rows else sa.exc.MultipleResultsFound("several rows")
        return rows[0]

    def rowcount(self, connection: sa.Connection, params: Mapping[str, Any] | None = None) -> int:
        """Runs a statement that returns no rows; how many rows it changed."""
        cursor, _form = self._cursor(connection, params)
        return int(cursor.rowcount)

    def owe(self, connection: sa.Connection, params: Mapping[str, Any] | None = None) -> None:
        """Runs a statement whose answer nobody reads: in a batched transaction (store/batched_transaction.py) it
        goes with the next statement that needs an answer, or with COMMIT; elsewhere it runs now."""
        form, bound = self._bind(connection, params)
        if not batched_transaction.owe(connection, form.sql, bound):
            self._cursor(connection, params)


def all_together(connection: sa.Connection, *calls: tuple[Prepared, Mapping[str, Any] | None]) -> list[list[Any]]:
    """The rows of several statements, run in order (each sees the changes of those before it): on PostgreSQL all
    in one round trip (a pipeline), so that a caller that needs both answers waits once."""
    bound = [statement._bind(connection, params) for statement, params in calls]
    cursors = _execute(connection, [(form.sql, values) for form, values in bound])
    return [form.rows(connection.dialect, cursor) for (form, _values), cursor in zip(bound, cursors, strict=True)]


def _execute(connection: sa.Connection, statements: Sequence[tuple[str, Any]]) -> list[Any]:
    """Statements run on the driver's connection, in one round trip on PostgreSQL; their cursors. Raises what Core
    would raise (IntegrityError...)."""
    try:
        if connection.dialect.name == "postgresql":
            return batched_transaction.send(connection, statements)
        driver: Any = connection.connection.dbapi_connection
        return [driver.execute(sql, values) for sql, values in statements]
    except connection.dialect.loaded_dbapi.Error as exc:
        sql = "; ".join(sql for sql, _values in statements)
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from exc


def in_ids(column: sa.ColumnElement[str], name: str) -> dict[str, sa.ColumnElement[bool]]:
    """`column IN (ids)` with the ids bound as one parameter, per dialect: a JSON array read by json_each on
    SQLite, an array on PostgreSQL. One compiled statement serves any number of ids, and no driver's limit on
    bound parameters applies; pass the ids through `ids_parameter`."""
    return {
        "sqlite": column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(sa.bindparam(name)))),
        "postgresql": column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(sa.String))),
    }


def ids_parameter(connection: sa.Connection, ids: Collection[str]) -> object:
    """The value of an `in_ids` parameter for the connection's dialect."""
    return json.dumps(list(ids)) if connection.dialect.name == "sqlite" else list(ids)
