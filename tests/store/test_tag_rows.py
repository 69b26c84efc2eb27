"""Tags of many owners in one query, on the engine under test, past any driver's limit on bound parameters."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.databases import database_url, engine_under_test
from twostep.identity.models import Tag
from twostep.store.engine import create_engine
from twostep.store.tag_rows import tags_by_owner

metadata = sa.MetaData()
thing_tags = sa.Table(
    "thing_tags",
    metadata,
    sa.Column("thing_id", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
)
OWNERS = 70_000  # more ids than SQLite (32,766) or PostgreSQL (65,535) take as separate parameters


def test_tags_of_many_owners_in_order(tmp_path: Path) -> None:
    with database_url(engine_under_test(), tmp_path) as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        rows = [
            {"thing_id": f"t{i}", "position": p, "key": f"k{p}", "value": f"{i}"}
            for i in range(0, OWNERS, 7)
            for p in (1, 0)
        ]
        with engine.begin() as connection:
            connection.execute(thing_tags.insert(), rows)
        ids = [f"t{i}" for i in range(OWNERS)]
        with engine.connect() as connection:
            found = tags_by_owner(connection, thing_tags.c.thing_id, ids)
            assert len(found) == len(range(0, OWNERS, 7))
            assert found["t7"] == (Tag("k0", "7"), Tag("k1", "7"))  # by position, not by insertion
            assert "t1" not in found
            assert tags_by_owner(connection, thing_tags.c.thing_id, []) == {}
        engine.dispose()
