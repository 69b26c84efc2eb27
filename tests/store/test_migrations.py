"""Alembic migrations build exactly the schema store/tables.py describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.databases import database_url, engine_under_test
from twostep.store import revisions
from twostep.store.engine import create_engine
from twostep.store.tables import metadata


@pytest.mark.parametrize("kind", [engine_under_test()])
def test_head_matches_tables(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = create_engine(url)
        revisions.upgrade(engine)
        assert revisions.current_revision(engine) == revisions.head_revision()
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
        engine.dispose()
    assert diffs == []


@pytest.mark.parametrize("kind", [engine_under_test()])
def test_upgrade_keeps_data_from_the_first_revision(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = create_engine(url)
        revisions.upgrade(engine, "0001")
        with engine.begin() as c:
            c.exec_driver_sql("INSERT INTO accounts (id, created_at) VALUES ('123456789012', 1.0)")
        revisions.upgrade(engine)
        with engine.connect() as c:
            assert c.exec_driver_sql("SELECT id FROM accounts").scalar_one() == "123456789012"
        engine.dispose()
