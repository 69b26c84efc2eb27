"""Recovery codes (issue 14) on the engine under test with a frozen clock: owed with a user's first device, shown
once, stored as keyed hashes, checked by the one verifier (reserved, counted, delayed, locked, audited), replaced
by a new set, and spent by the operator's break-glass reset."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, RecoveryCodesNeedMfa, RejectionReason
from twostep.mfa.recovery_codes import ALPHABET, CODE_COUNT, canonical
from twostep.mfa.verifier import AttemptContext
from twostep.store.tables import recovery_code_sets, recovery_codes

ATTACKER = "203.0.113.9"


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", "correct horse battery")[1]


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def enrol(services: Services, clock: FrozenClock, user: User, name: str = "phone") -> bytes:
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    return new.seed


def check(services: Services, user: User, code: str, source: str | None = None) -> None:
    with services.uow() as uow:
        services.verifier.verify_recovery_code(uow, user, code, AttemptContext("test", user.arn, source))
        uow.commit()


def rejection(services: Services, user: User, code: str, source: str | None = None) -> CodeRejected:
    with pytest.raises(CodeRejected) as rejected:
        check(services, user, code, source)
    return rejected.value


def events(services: Services, account_id: str) -> list[tuple[str, str | None]]:
    with services.uow(readonly=True) as uow:
        return [(e.event.event_name, e.event.error_code) for e in uow.audit.events(account_id)]


def test_the_first_device_owes_a_set_shown_once(services: Services, clock: FrozenClock, alice: User) -> None:
    assert services.recovery.issue_owed(alice) == ()  # no device, nothing owed
    enrol(services, clock, alice, "first")
    assert services.recovery.status(alice).pending
    codes = services.recovery.issue_owed(alice)
    assert len(codes) == len(set(codes)) == CODE_COUNT
    for code in codes:
        assert canonical(code) == code and len(code) == 11 and code[5] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert services.recovery.issue_owed(alice) == ()  # shown once: never again
    status = services.recovery.status(alice)
    assert (status.remaining, status.pending, status.confirmed_at) == (CODE_COUNT, False, None)
    clock.advance(30)
    enrol(services, clock, alice, "second")  # a second device owes nothing
    assert services.recovery.issue_owed(alice) == ()
    assert [name for name, _ in events(services, alice.account_id)].count("CreateRecoveryCodes") == 1


def test_a_device_enabled_through_the_api_owes_codes_too(services: Services, clock: FrozenClock, root: User) -> None:
    """The hook is in the service (MfaService.enable), not in a page: any path that assigns a first device."""
    alice = services.identity.create_user(root.account_id, "alice", actor=root)
    new = services.mfa.create_virtual_device(root.account_id, "alice-phone", actor=root)
    now = clock.now()
    services.mfa.enable(alice, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    assert services.recovery.status(alice).pending


def test_codes_are_stored_as_keyed_hashes_only(services: Services, clock: FrozenClock, alice: User) -> None:
    enrol(services, clock, alice)
    codes = services.recovery.issue_owed(alice)
    with services.database.engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(sa.select(recovery_codes)).all()]
        sets = [tuple(r) for r in connection.execute(sa.select(recovery_code_sets)).all()]
    dump = repr(rows + sets)
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    assert len(rows) == CODE_COUNT and all(len(row[2]) == 64 for row in rows)
    # keyed: the plain SHA-256 of a code is not what is stored
    assert hashlib.sha256(codes[0].encode()).hexdigest() not in dump


def test_a_code_works_once_in_any_case_with_or_without_its_hyphen(
    services: Services, clock: FrozenClock, alice: User
) -> None:
    enrol(services, clock, alice)
    codes = services.recovery.issue_owed(alice)
    check(services, alice, codes[0].upper())
    check(services, alice, codes[1].replace("-", ""))
    assert services.recovery.status(alice).remaining == CODE_COUNT - 2
    clock.advance(1)
    assert rejection(services, alice, codes[0]).reason is RejectionReason.REPLAYED
    clock.advance(2)
    for malformed in (f" {codes[2]}", codes[2][:-1], codes[2] + "x", "１" + codes[2][1:], codes[2].replace("-", " ")):
        assert rejection(services, alice, malformed).reason is RejectionReason.MALFORMED
        clock.advance(600)
    assert services.recovery.status(alice).remaining == CODE_COUNT - 2  # nothing malformed was spent


def test_failures_are_delayed_locked_and_audited_like_a_devices(
    services: Services, clock: FrozenClock, alice: User
) -> None:
    enrol(services, clock, alice)
    codes = services.recovery.issue_owed(alice)
    wrong = "aaaaa-aaaaa" if "aaaaa-aaaaa" not in codes else "bbbbb-bbbbb"
    first = rejection(services, alice, wrong)
    assert first.reason is RejectionReason.WRONG and first.retry_after == 1.0
    # Inside the delay, nothing is evaluated: not even a right code.
    assert rejection(services, alice, codes[0]).reason is RejectionReason.THROTTLED
    for _ in range(9):
        clock.advance(600)
        rejected = rejection(services, alice, wrong)
        assert rejected.reason is RejectionReason.WRONG
    assert rejected.device_locked
    clock.advance(600)
    locked = rejection(services, alice, codes[0])  # a right code on a locked set neither works nor unlocks it
    assert locked.reason is RejectionReason.LOCKED and locked.device_locked
    assert services.recovery.status(alice).remaining == CODE_COUNT
    names = events(services, alice.account_id)
    assert names.count(("RecoveryCodeRejected", "wrong")) == 10
    assert names.count(("RecoveryCodesLocked", None)) == 1
    # The administrator's unlock (`twostep user unlock`) lifts it.
    assert services.recovery.unlock(alice, actor=alice) == 10
    check(services, alice, codes[0])


def test_the_source_address_is_throttled_across_users(services: Services, clock: FrozenClock, root: User) -> None:
    """Recovery codes count toward the address's own delay (S10), like a device's codes."""
    users = [services.identity.create_user(root.account_id, f"u{i}", actor=root) for i in range(7)]
    for user in users:
        enrol(services, clock, user, f"{user.name}-phone")
        services.recovery.issue_owed(user)
    throttle = services.verifier.throttling
    for user in users[: throttle.source_free_failures + 1]:
        assert rejection(services, user, "zzzzz-zzzzz", ATTACKER).reason is RejectionReason.WRONG
    assert rejection(services, users[-1], "zzzzz-zzzzz", ATTACKER).reason is RejectionReason.THROTTLED


def test_a_user_without_codes_is_refused_and_the_attempt_audited(services: Services, alice: User) -> None:
    assert rejection(services, alice, "abcde-fghjk").reason is RejectionReason.WRONG
    assert ("RecoveryCodeRejected", "wrong") in events(services, alice.account_id)


def test_regenerate_replaces_every_code(services: Services, clock: FrozenClock, alice: User) -> None:
    with pytest.raises(RecoveryCodesNeedMfa):
        services.recovery.regenerate(alice, actor=alice)
    enrol(services, clock, alice)
    old = services.recovery.issue_owed(alice)
    check(services, alice, old[0])
    new = services.recovery.regenerate(alice, actor=alice)
    assert not set(old) & set(new) and services.recovery.status(alice).remaining == CODE_COUNT
    clock.advance(1)
    assert rejection(services, alice, old[1]).reason is RejectionReason.WRONG
    clock.advance(2)
    check(services, alice, new[1])
    assert ("RegenerateRecoveryCodes", None) in events(services, alice.account_id)


def test_confirm_spends_the_code_typed_back(services: Services, clock: FrozenClock, alice: User) -> None:
    enrol(services, clock, alice)
    codes = services.recovery.issue_owed(alice)
    with pytest.raises(CodeRejected):
        services.recovery.confirm(alice, "aaaaa-bbbbb")
    clock.advance(1)
    services.recovery.confirm(alice, codes[3])
    status = services.recovery.status(alice)
    assert status.confirmed_at == clock.now() and status.remaining == CODE_COUNT - 1
    clock.advance(2)
    assert rejection(services, alice, codes[3]).reason is RejectionReason.REPLAYED


def test_the_reset_deactivates_spends_and_ends(services: Services, clock: FrozenClock, root: User) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password="alice's long password")
    enrol(services, clock, alice, "one")
    clock.advance(30)
    enrol(services, clock, alice, "two")
    codes = services.recovery.issue_owed(alice)
    services.signin.password_step(account_id=root.account_id, user_name="alice", password="alice's long password")
    reset = services.recovery.reset_mfa(alice, actor=root)
    assert len(reset.serials) == 2 and reset.recovery_codes_spent == CODE_COUNT and reset.sessions_ended == 1
    assert services.mfa.devices_of(alice) == []
    assert len(services.mfa.devices_in_account(root.account_id, assigned=False)) == 2  # deactivated, as AWS does
    assert services.recovery.status(alice).remaining == 0
    assert rejection(services, alice, codes[0]).reason is RejectionReason.REPLAYED
    with services.uow(readonly=True) as uow:
        [event] = [e.event for e in uow.audit.events(root.account_id) if e.event.event_name == "ResetMFA"]
    assert event.actor == root.arn and event.details["userName"] == "alice"
    assert sorted(event.details["serialNumbers"]) == sorted(reset.serials)
    # Enrolling again makes the first device again: a new set is owed.
    clock.advance(30)
    enrol(services, clock, alice, "three")
    assert len(services.recovery.issue_owed(alice)) == CODE_COUNT
