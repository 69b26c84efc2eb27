"""S27: `verify_chains` finds every kind of tampering done directly to the database rows, on SQLite and PostgreSQL.

Each test builds real chains through the services, then plays an attacker who can write the database but does not
hold the key file: rows are edited, deleted, inserted and reordered with plain SQL.
"""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from twostep.audit.events import GENESIS_HASH, chain_hash
from twostep.audit.head_signature import HeadSigner
from twostep.audit.verification import VerificationReport, verify_chains
from twostep.bootstrap import Services
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.store.audit_repository import SqlAuditLog

EVENTS_IN_CHAIN = 6  # CreateAccount + 5 CreateUser


def verify(services: Services, keyring: KeyRing | None = None) -> VerificationReport:
    with services.database.audit_snapshot() as snapshot:
        return verify_chains(
            snapshot.events(), snapshot.heads(), HeadSigner(keyring or services.keyring), snapshot.account_ids()
        )


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        services.identity.create_user(root.account_id, name, actor=root)
    # A second account: tampering with one chain must not be blamed on the other.
    services.identity.create_account("other@example.com", "another long passphrase")
    return root


def sql(services: Services, statement: str, **params: object) -> None:
    with services.database.engine.begin() as c:
        c.execute(sa.text(statement), params)


def rows(services: Services, chain: str) -> list[sa.Row[tuple[object, ...]]]:
    with services.database.engine.connect() as c:
        return list(c.execute(sa.text("SELECT * FROM audit_events WHERE chain = :c ORDER BY seq"), {"c": chain}))


def recompute_from(services: Services, chain: str, first_seq: int) -> str:
    """What an attacker who knows the (public) hash algorithm does: re-hash every event from first_seq on."""
    with services.database.engine.connect() as c:
        events = list(SqlAuditLog(c).events(chain))
    prev = GENESIS_HASH
    for recorded in events:
        if recorded.seq >= first_seq:
            digest = chain_hash(prev, chain, recorded.seq, recorded.event)
            sql(
                services,
                "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE chain = :c AND seq = :s",
                p=prev,
                h=digest,
                c=chain,
                s=recorded.seq,
            )
            prev = digest
        else:
            prev = recorded.hash
    return prev


def only_problem(report: VerificationReport, chain: str) -> set[tuple[int | None, str]]:
    assert not report.intact
    assert {p.chain for p in report.problems} == {chain}, report.problems
    return {(p.seq, p.kind) for p in report.problems}


def test_untouched_chains_verify(services: Services, root: User) -> None:
    report = verify(services)
    assert report.intact, report.problems
    assert report.chains == 2 and report.events == EVENTS_IN_CHAIN + 1


def test_every_head_is_signed(services: Services, root: User) -> None:
    with services.database.engine.connect() as c:
        heads = SqlAuditLog(c).signed_heads()
    assert heads and all(h.signature and h.signature.key_id == services.keyring.active_key_id for h in heads)


def test_an_edited_detail_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(
        services,
        "UPDATE audit_events SET details = :d WHERE chain = :c AND seq = 3",
        d='{"userName":"mallory"}',
        c=chain,
    )
    assert only_problem(verify(services), chain) == {(3, "edited")}


def test_an_edited_field_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "UPDATE audit_events SET source_ip = '10.0.0.1' WHERE chain = :c AND seq = 2", c=chain)
    assert only_problem(verify(services), chain) == {(2, "edited")}


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(services: Services, root: User) -> None:
    chain = root.account_id
    event = rows(services, chain)[2]
    details = json.dumps({"userName": "mallory"})
    sql(services, "UPDATE audit_events SET details = :d WHERE id = :i", d=details, i=event.id)
    with services.database.engine.connect() as c:
        recorded = next(e for e in SqlAuditLog(c).events(chain) if e.seq == 3)
    digest = chain_hash(recorded.prev_hash, chain, 3, recorded.event)
    sql(services, "UPDATE audit_events SET hash = :h WHERE id = :i", h=digest, i=event.id)
    assert only_problem(verify(services), chain) == {(4, "relinked")}


def test_a_deleted_middle_event_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "DELETE FROM audit_events WHERE chain = :c AND seq = 3", c=chain)
    assert (3, "missing") in only_problem(verify(services), chain)


def test_a_deleted_first_event_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "DELETE FROM audit_events WHERE chain = :c AND seq = 1", c=chain)
    assert (1, "missing") in only_problem(verify(services), chain)


def test_a_deleted_last_event_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "DELETE FROM audit_events WHERE chain = :c AND seq = :s", c=chain, s=EVENTS_IN_CHAIN)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "head")}


def test_a_deleted_last_event_with_the_head_rolled_back_is_found(services: Services, root: User) -> None:
    """Truncating the tail and making the head agree: the chain is consistent; only the signature tells."""
    chain = root.account_id
    previous = rows(services, chain)[-2]
    sql(services, "DELETE FROM audit_events WHERE chain = :c AND seq = :s", c=chain, s=EVENTS_IN_CHAIN)
    sql(
        services,
        "UPDATE audit_heads SET seq = :s, hash = :h WHERE chain = :c",
        s=previous.seq,
        h=previous.hash,
        c=chain,
    )
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN - 1, "signature")}


def test_an_event_appended_without_its_head_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    last = rows(services, chain)[-1]
    forged = dict(last._mapping)
    forged.pop("id")
    forged.update(seq=last.seq + 1, prev_hash=last.hash, event_name="DeleteUser")
    columns = ", ".join(forged)
    sql(services, f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + k for k in forged)})", **forged)
    recompute_from(services, chain, last.seq + 1)  # a correct hash for the forged event
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "head")}


def test_an_event_appended_with_its_head_moved_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    last = rows(services, chain)[-1]
    forged = dict(last._mapping)
    forged.pop("id")
    forged.update(seq=last.seq + 1, prev_hash=last.hash, event_name="DeleteUser")
    sql(
        services,
        f"INSERT INTO audit_events ({', '.join(forged)}) VALUES ({', '.join(':' + k for k in forged)})",
        **forged,
    )
    digest = recompute_from(services, chain, last.seq + 1)
    sql(services, "UPDATE audit_heads SET seq = :s, hash = :h WHERE chain = :c", s=last.seq + 1, h=digest, c=chain)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN + 1, "signature")}


def test_an_event_inserted_in_the_middle_is_found(services: Services, root: User) -> None:
    """Make room by moving events 4.. up one, and put a forged event at 4."""
    chain = root.account_id
    for row in reversed(rows(services, chain)[3:]):
        sql(services, "UPDATE audit_events SET seq = :s WHERE id = :i", s=row.seq + 1, i=row.id)
    template = dict(rows(services, chain)[2]._mapping)
    template.pop("id")
    template.update(seq=4, prev_hash=template["hash"], details='{"userName":"mallory"}')
    sql(
        services,
        f"INSERT INTO audit_events ({', '.join(template)}) VALUES ({', '.join(':' + k for k in template)})",
        **template,
    )
    problems = only_problem(verify(services), chain)
    assert (4, "edited") in problems and (5, "edited") in problems


def test_reordered_events_are_found(services: Services, root: User) -> None:
    chain = root.account_id
    third, fourth = rows(services, chain)[2:4]
    sql(services, "UPDATE audit_events SET seq = -1 WHERE id = :i", i=third.id)
    sql(services, "UPDATE audit_events SET seq = 3 WHERE id = :i", i=fourth.id)
    sql(services, "UPDATE audit_events SET seq = 4 WHERE id = :i", i=third.id)
    problems = only_problem(verify(services), chain)
    assert (3, "edited") in problems or (3, "relinked") in problems


def test_a_wholly_rewritten_chain_is_found(services: Services, root: User) -> None:
    """Every hash recomputed and the head moved to the new last hash: only the signature tells."""
    chain = root.account_id
    sql(services, "UPDATE audit_events SET details = :d WHERE chain = :c AND seq = 2", d='{"userName":"x"}', c=chain)
    digest = recompute_from(services, chain, 1)
    sql(services, "UPDATE audit_heads SET hash = :h WHERE chain = :c", h=digest, c=chain)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "signature")}


def test_a_forged_or_removed_signature_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "UPDATE audit_heads SET mac = :m WHERE chain = :c", m="0" * 64, c=chain)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "signature")}
    sql(services, "UPDATE audit_heads SET mac = NULL, key_id = NULL WHERE chain = :c", c=chain)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "signature")}


def test_a_signature_under_another_key_ring_does_not_hold(services: Services, root: User) -> None:
    report = verify(services, KeyRing.generate())
    assert not report.intact and {p.kind for p in report.problems} == {"signature"}


def test_a_deleted_chain_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "DELETE FROM audit_events WHERE chain = :c", c=chain)
    sql(services, "DELETE FROM audit_heads WHERE chain = :c", c=chain)
    assert only_problem(verify(services), chain) == {(None, "no-chain")}


def test_a_deleted_head_is_found(services: Services, root: User) -> None:
    chain = root.account_id
    sql(services, "DELETE FROM audit_heads WHERE chain = :c", c=chain)
    assert only_problem(verify(services), chain) == {(EVENTS_IN_CHAIN, "no-head")}


def test_verification_while_servers_append_sees_no_false_breaks(services: Services, root: User) -> None:
    """Events and heads are read from one snapshot, so appends in between never look like tampering."""
    stop = threading.Event()

    def append() -> None:
        n = 0
        while not stop.is_set():
            services.identity.create_user(root.account_id, f"user{n}", actor=root)
            n += 1

    writer = threading.Thread(target=append)
    writer.start()
    try:
        for _ in range(15):
            report = verify(services)
            assert report.intact, report.problems
    finally:
        stop.set()
        writer.join()
    assert verify(services).intact
