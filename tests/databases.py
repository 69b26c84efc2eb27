"""Throwaway databases for tests: a SQLite file, or a fresh PostgreSQL database on 127.0.0.1:5432."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get("TWOSTEP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KINDS = ("sqlite", "postgresql")


def engine_under_test() -> str:
    """The suite runs once per engine: TWOSTEP_TEST_DATABASE=sqlite (the default) or postgresql.

    `make test` runs both passes; every test that touches a database uses the selected engine."""
    kind = os.environ.get("TWOSTEP_TEST_DATABASE", "sqlite")
    if kind not in KINDS:
        raise ValueError(f"TWOSTEP_TEST_DATABASE must be one of {KINDS}, not {kind!r}")
    return kind


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI and did not answer")
    pytest.skip("PostgreSQL at 127.0.0.1:5432 is not running here (outside CI this is allowed)")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new empty database; yields its plain libpq URL and drops it afterwards."""
    require_postgres()
    name = "twostep_test_" + secrets.token_hex(6)
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the given kind ("sqlite" or "postgresql"); see engine_under_test()."""
    if kind == "postgresql":
        with fresh_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'twostep.db'}"


@contextmanager
def database_under_test(tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite (the server's default file in its data directory), else a fresh PostgreSQL URL."""
    if engine_under_test() == "postgresql":
        with fresh_postgres() as url:
            yield url
    else:
        yield None
