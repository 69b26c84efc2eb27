"""Issue 17 item 1: an account's concurrent writes append on different audit chains (PostgreSQL), and every chain
keeps its tamper evidence.

On PostgreSQL a transaction takes the first of the account's chain heads that no other transaction holds (FOR UPDATE
SKIP LOCKED), so a second writer of the same account does not wait for the first. These tests always run on a
fresh PostgreSQL database: SQLite has one writer at a time and keeps every account on one chain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import fresh_postgres
from twostep import bootstrap
from twostep.audit.checkpoints import checkpoint_of
from twostep.audit.events import AuditEvent, RecordedEvent
from twostep.audit.head_signature import HeadSigner
from twostep.audit.rollback import CheckpointIndex
from twostep.audit.verification import VerificationReport, verify_chains
from twostep.clock import FrozenClock
from twostep.crypto.keyring import KeyRing
from twostep.settings import Settings
from twostep.store.database import Database

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pg(tmp_path: Path, clock: FrozenClock) -> Iterator[bootstrap.Services]:
    with fresh_postgres() as url:
        settings = Settings(data_dir=tmp_path, database_url_override=url)
        with Database(url) as database:
            database.upgrade()
        keyring = KeyRing.generate()
        keyring.save(settings.key_file)
        services = bootstrap.build(settings, clock=clock, keyring=keyring)
        try:
            yield services
        finally:
            services.close()


def event(account_id: str, at: float, name: str = "TestEvent") -> AuditEvent:
    return AuditEvent(name, account_id, at, actor=f"arn:aws:iam::{account_id}:root", details={"n": str(at)})


def append_elsewhere(services: bootstrap.Services, events: list[AuditEvent]) -> list[RecordedEvent]:
    """Append in another transaction, on another thread, which must not wait for the caller's open transaction."""
    out: list[RecordedEvent] = []

    def run() -> None:
        for one in events:
            with services.uow() as uow:
                out.append(uow.audit.append(one))
                uow.commit()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the second writer of the account waited for the first one's chain head"
    return out


def verify(services: bootstrap.Services, checkpoints: CheckpointIndex | None = None) -> VerificationReport:
    with services.database.audit_snapshot() as snapshot:
        return verify_chains(
            snapshot.events(), snapshot.heads(), HeadSigner(services.keyring), snapshot.account_ids(), checkpoints
        )


def sql(services: bootstrap.Services, statement: str, **params: object) -> None:
    with services.database.engine.begin() as c:
        c.execute(sa.text(statement), params)


@pytest.fixture
def account(pg: bootstrap.Services, clock: FrozenClock) -> str:
    """An account with events on shard 0 and on shard 1: four events appended while shard 0 was held."""
    _, root = pg.identity.create_account("owner@example.com", "correct horse battery")
    account_id = root.account_id
    clock.advance(1)
    with pg.uow() as holder:
        first = holder.audit.append(event(account_id, clock.now(), "HeldFirst"))
        second = holder.audit.append(event(account_id, clock.now() + 0.5, "HeldSecond"))
        others = append_elsewhere(pg, [event(account_id, clock.now() + 1 + i) for i in range(4)])
        holder.commit()
    assert first.chain == second.chain == account_id  # one transaction stays on the chain it took
    assert {recorded.chain for recorded in others} == {f"{account_id}/1"}
    assert [recorded.seq for recorded in others] == [1, 2, 3, 4]
    return account_id


def test_two_concurrent_transactions_of_one_account_append_on_different_chains(
    pg: bootstrap.Services, account: str
) -> None:
    report = verify(pg)
    assert report.intact, report.problems
    assert report.chains == 2 and report.events == 7
    # Once shard 0 is free again, a lone writer goes back to it.
    with pg.uow() as uow:
        assert uow.audit.append(event(account, 1e10)).chain == account
        uow.commit()


def test_export_gives_one_stream_in_time_order_over_the_shards(pg: bootstrap.Services, account: str) -> None:
    with pg.database.audit_snapshot() as snapshot:
        stream = list(snapshot.events_in_time_order(account_id=account))
    assert len(stream) == 7 and {r.chain for r in stream} == {account, f"{account}/1"}
    assert [r.event.at for r in stream] == sorted(r.event.at for r in stream)
    with pg.uow(readonly=True) as uow:
        assert [r.hash for r in uow.audit.events(account)] == [r.hash for r in stream]


@pytest.mark.parametrize(
    ("statement", "kinds"),
    [
        ("UPDATE audit_events SET source_ip = '10.0.0.1' WHERE chain = :c AND seq = 2", {(2, "edited")}),
        ("DELETE FROM audit_events WHERE chain = :c AND seq = 2", {(2, "missing")}),
        ("DELETE FROM audit_events WHERE chain = :c AND seq = 4", {(4, "head")}),
        ("UPDATE audit_heads SET mac = :z WHERE chain = :c", {(4, "signature")}),
    ],
)
def test_verify_finds_tampering_in_a_non_zero_shard(
    pg: bootstrap.Services, account: str, statement: str, kinds: set[tuple[int, str]]
) -> None:
    shard = f"{account}/1"
    sql(pg, statement, c=shard, z="0" * 64)
    report = verify(pg)
    assert {(p.seq, p.kind) for p in report.problems if p.chain == shard} == kinds
    assert all(p.chain == shard for p in report.problems)


def test_reordered_events_in_a_non_zero_shard_are_found(pg: bootstrap.Services, account: str) -> None:
    shard = f"{account}/1"
    sql(pg, "UPDATE audit_events SET seq = -1 WHERE chain = :c AND seq = 2", c=shard)
    sql(pg, "UPDATE audit_events SET seq = 2 WHERE chain = :c AND seq = 3", c=shard)
    sql(pg, "UPDATE audit_events SET seq = 3 WHERE chain = :c AND seq = -1", c=shard)
    report = verify(pg)
    assert not report.intact and {p.chain for p in report.problems} == {shard}


def test_a_non_zero_shard_rolled_back_or_deleted_is_found_by_its_checkpoint(
    pg: bootstrap.Services, account: str
) -> None:
    shard = f"{account}/1"
    signer = HeadSigner(pg.keyring)
    with pg.database.audit_snapshot() as snapshot:
        checkpoints = [checkpoint_of(head, signer, 1e9) for head in snapshot.heads()]
    index = CheckpointIndex.build(enumerate(checkpoints, start=1), signer, "test")
    assert index.chains == 2
    sql(pg, "DELETE FROM audit_events WHERE chain = :c", c=shard)
    sql(pg, "DELETE FROM audit_heads WHERE chain = :c", c=shard)
    assert verify(pg).intact  # a whole shard gone leaves no trace in the database itself...
    report = verify(pg, index)  # ...but not in the checkpoints
    assert report.status == "rolled-back"
    assert {(p.chain, p.seq, p.kind) for p in report.problems} == {(shard, 0, "rolled-back")}
