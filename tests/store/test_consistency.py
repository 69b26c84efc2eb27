"""`twostep db check` finds half-written changes, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.store import consistency
from twostep.store.tables import audit_events, audit_heads, mfa_devices


def enrolled(services: Services, clock: FrozenClock) -> str:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    new = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    now = clock.now()
    services.mfa.enable(root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    return new.device.serial


def test_a_sound_database_is_consistent(services: Services, clock: FrozenClock) -> None:
    enrolled(services, clock)
    report = consistency.check(services.database.engine, services.keyring)
    assert report.consistent, report.problems
    assert report.counts["devices"] == 1 and report.counts["audit_events"] == 3


def test_a_device_assigned_without_its_event_is_reported(services: Services, clock: FrozenClock) -> None:
    serial = enrolled(services, clock)
    with services.database.engine.begin() as c:
        c.execute(audit_events.delete().where(audit_events.c.event_name == "EnableMFADevice"))
        c.execute(audit_heads.update().values(seq=audit_heads.c.seq - 1))
        c.execute(
            audit_heads.update().values(
                hash=sa.select(audit_events.c.hash)
                .where(audit_events.c.chain == audit_heads.c.chain, audit_events.c.seq == audit_heads.c.seq)
                .scalar_subquery()
            )
        )
    report = consistency.check(services.database.engine, services.keyring)
    assert report.problems == [f"device {serial} is assigned without an EnableMFADevice event"]


def test_a_head_out_of_step_and_an_unknown_key_are_reported(services: Services, clock: FrozenClock) -> None:
    enrolled(services, clock)
    with services.database.engine.begin() as c:
        c.execute(audit_heads.update().values(seq=audit_heads.c.seq + 1))
        c.execute(mfa_devices.update().values(seed_key_id="k9-missing"))
    problems = consistency.check(services.database.engine, services.keyring).problems
    assert any("head at" in p for p in problems)
    assert any("k9-missing" in p for p in problems)
