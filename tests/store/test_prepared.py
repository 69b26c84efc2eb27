"""Prepared statements (store/prepared.py) behave as Core's execution would, on the engine under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import database_url, engine_under_test
from twostep.store.engine import create_engine
from twostep.store.prepared import Prepared

metadata = sa.MetaData()
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=True),
)
c = things.c

INSERT = Prepared(
    things.insert().values(
        id=sa.bindparam("id"), active=sa.bindparam("active"), weight=sa.bindparam("weight"), count=0, blob=None
    )
)
BY_ID = Prepared(sa.select(things).where(c.id == sa.bindparam("id")))
ACTIVE_HEAVIER_THAN = Prepared(
    sa.select(c.id, c.weight.label("kilos")).where(c.weight > sa.bindparam("weight"), c.active.is_(True)).order_by(c.id)
)
BUMP = Prepared(
    things.update().where(c.id == sa.bindparam("id")).values(count=c.count + 1).returning(c.count, c.active)
)
DEACTIVATE = Prepared(things.update().where(c.weight < sa.bindparam("below")).values(active=False))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    with database_url(engine_under_test(), tmp_path) as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def test_rows_read_by_name_with_the_dialects_types(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        INSERT.rowcount(connection, {"id": "a", "active": True, "weight": 2.5})
        INSERT.rowcount(connection, {"id": "b", "active": False, "weight": 9.0})
        INSERT.rowcount(connection, {"id": "c", "active": True, "weight": 7.0})
    with engine.connect() as connection:
        row = BY_ID.one(connection, {"id": "a"})
        assert (row.id, row.active, row.weight, row.count, row.blob) == ("a", True, 2.5, 0, None)
        assert row.active is True  # SQLite stores 0/1: the Boolean's result processor still applies
        assert BY_ID.first(connection, {"id": "b"}).active is False
        assert BY_ID.first(connection, {"id": "zzz"}) is None
        assert [(r.id, r.kilos) for r in ACTIVE_HEAVIER_THAN.all(connection, {"weight": 1.0})] == [
            ("a", 2.5),
            ("c", 7.0),
        ]
        with pytest.raises(sa.exc.NoResultFound):
            BY_ID.one(connection, {"id": "zzz"})


def test_updates_report_their_rows_and_return_columns(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        INSERT.rowcount(connection, {"id": "a", "active": True, "weight": 1.0})
        INSERT.rowcount(connection, {"id": "b", "active": True, "weight": 3.0})
        assert [tuple(r) for r in BUMP.all(connection, {"id": "a"})] == [(1, True)]
        assert BUMP.first(connection, {"id": "nobody"}) is None
        assert DEACTIVATE.rowcount(connection, {"below": 5.0}) == 2
    with engine.connect() as connection:
        assert BY_ID.one(connection, {"id": "a"}).active is False


def test_statements_belong_to_the_callers_transaction(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        transaction = connection.begin()
        INSERT.rowcount(connection, {"id": "a", "active": True, "weight": 1.0})
        assert BY_ID.first(connection, {"id": "a"}) is not None
        transaction.rollback()
    with engine.connect() as connection:
        assert BY_ID.first(connection, {"id": "a"}) is None


def test_driver_errors_surface_as_sqlalchemys_and_change_nothing(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        INSERT.rowcount(connection, {"id": "a", "active": True, "weight": 1.0})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        INSERT.rowcount(connection, {"id": "b", "active": True, "weight": 1.0})
        INSERT.rowcount(connection, {"id": "a", "active": False, "weight": 2.0})
    with engine.connect() as connection:
        assert BY_ID.first(connection, {"id": "b"}) is None  # the whole transaction rolled back
        assert BY_ID.one(connection, {"id": "a"}).weight == 1.0


def test_statements_that_need_core_at_execution_are_refused(engine: sa.Engine) -> None:
    expanding = Prepared(sa.select(things).where(c.id.in_(sa.bindparam("ids", expanding=True))))
    with engine.connect() as connection, pytest.raises(ValueError, match="post-compile"):
        expanding.all(connection, {"ids": ["a"]})
