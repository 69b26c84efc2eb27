"""Shared fixtures: real services on a temporary database with a frozen, injectable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import database_url, engine_under_test
from twostep import bootstrap
from twostep.clock import FrozenClock
from twostep.crypto.keyring import KeyRing
from twostep.settings import Settings
from twostep.store.database import Database
from twostep.throttling import Throttling

# A time on a 30-second boundary, so tests can reason in whole steps.
START = 1_800_000_000.0


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture(params=[engine_under_test()])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Domain tests run on both engines (issue 5): the embedded SQLite file and a fresh PostgreSQL database."""
    with database_url(request.param, tmp_path) as url:
        yield Settings(
            data_dir=tmp_path,
            database_url_override=url,
            mfa_throttle=Throttling(max_failures=10, base_delay=1.0, max_delay=300.0),
        )


@pytest.fixture
def services(settings: Settings, clock: FrozenClock) -> Iterator[bootstrap.Services]:
    with Database(settings.database_url) as database:
        database.upgrade()
    keyring = KeyRing.generate()
    keyring.save(settings.key_file)
    built = bootstrap.build(settings, clock=clock, keyring=keyring)
    yield built
    built.close()
