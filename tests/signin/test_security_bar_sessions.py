"""Security-bar points about sessions, proven on the domain services (real store, frozen clock, SQLite and
PostgreSQL): S14 (session ids), S17 (removal needs a current code), S18 (what ends sessions), S19 (a password reset
signs nobody in), S29 (removal is one transaction)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import code_at, earlier_step_codes
from tests.signin.security_bar import EMAIL, PASSWORD, enrol, event_names, signed_in
from twostep.audit.events import AuditEvent
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, RejectionReason
from twostep.signin.errors import SessionInvalid
from twostep.store.audit_repository import SqlAuditLog


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account(EMAIL, PASSWORD)[1]


# -- S14: session ids -------------------------------------------------------------------------------------------


def test_session_tokens_carry_256_random_bits_and_only_their_hash_is_stored(services: Services, root: User) -> None:
    grants = [services.signin.password_step(email=EMAIL, password=PASSWORD) for _ in range(5)]
    tokens = {g.token for g in grants}
    assert len(tokens) == 5 and all(len(t) >= 43 for t in tokens)  # base64url of 32 bytes from secrets
    with services.database.engine.connect() as c:
        stored = {row[0] for row in c.exec_driver_sql("SELECT id_hash FROM sessions")}
    assert not tokens & stored and len(stored) == 5


def test_a_half_signed_in_session_signs_in_once_even_from_a_stale_read(
    services: Services, clock: FrozenClock, root: User
) -> None:
    """The MFA step's transaction trusts the request's read of the session (issue 17: no re-read, fewer round
    trips); the session it replaces must still be there. Two MFA steps that read the same half-signed-in session,
    with good codes of two devices: the first signs in, the second is refused and keeps nothing (its step unspent,
    no failure counted, no event)."""
    phone_id, _serial, phone_seed = enrol(services, clock, root, "phone")
    token_id, _serial, token_seed = enrol(services, clock, root, "token")
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    current, devices = services.signin.half_signed_in(half.token)
    phone, token = (next(d for d in devices if d.id == wanted) for wanted in (phone_id, token_id))
    services.signin.prove_mfa(current, phone, code_at(phone_seed, clock.now()))
    before = event_names(services, root.account_id)
    with pytest.raises(SessionInvalid):
        services.signin.prove_mfa(current, token, code_at(token_seed, clock.now()))
    assert event_names(services, root.account_id) == before
    with services.uow(readonly=True) as uow:
        untouched = uow.devices.get(token_id)
    assert untouched is not None and untouched.failures == 0
    # The refused step's code was not spent: it signs in a new half-signed-in session.
    again = services.signin.password_step(email=EMAIL, password=PASSWORD)
    services.signin.mfa_step(again.token, token_id, code_at(token_seed, clock.now()))


def test_a_device_given_to_another_user_meanwhile_counts_nothing_for_the_step(
    services: Services, clock: FrozenClock, root: User
) -> None:
    """The MFA step reserves the device the request read only while it is still the user's: a virtual device
    deactivated and enabled for someone else between the read and the step gets no failure from it."""
    enrol(services, clock, root, "phone")
    given_id, serial, seed = enrol(services, clock, root, "token")
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    current, devices = services.signin.half_signed_in(half.token)
    given = next(d for d in devices if d.id == given_id)
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    services.mfa.deactivate(root, serial, actor=root)
    clock.advance(90)  # past the steps the root user's enrolment spent
    services.mfa.enable(alice, serial, *earlier_step_codes(seed, clock.now), actor=alice)
    with pytest.raises(SessionInvalid):
        services.signin.prove_mfa(current, given, "000000" if code_at(seed, clock.now()) != "000000" else "111111")
    with services.uow(readonly=True) as uow:
        alices = uow.devices.get(given_id)
    assert alices is not None and alices.user_id == alice.id and alices.failures == 0


# -- S17, S18, S29: removing a device ----------------------------------------------------------------------------


def test_remove_needs_a_current_code_of_the_device_and_ends_the_users_sessions(
    services: Services, clock: FrozenClock, root: User
) -> None:
    device_id, serial, seed = enrol(services, clock, root)
    grant = signed_in(services, clock, device_id, seed)
    other = services.signin.password_step(email=EMAIL, password=PASSWORD)
    with pytest.raises(CodeRejected) as rejected:
        services.mfa.remove(root, serial, actor=root, code=code_at(seed, clock.now()))  # the sign-in spent it
    assert rejected.value.reason is RejectionReason.REPLAYED
    assert services.mfa.devices_of(root)  # nothing removed
    assert services.signin.current(grant.token)  # nor any session ended
    clock.advance(30)
    services.mfa.remove(root, serial, actor=root, code=code_at(seed, clock.now()), source_ip="192.0.2.1")
    assert services.mfa.devices_in_account(root.account_id) == []
    for ended in (grant, other):
        with pytest.raises(SessionInvalid):
            services.signin.current(ended.token, stage=ended.session.stage)
    assert event_names(services, root.account_id)[-2:] == ["DeactivateMFADevice", "DeleteVirtualMFADevice"]
    assert services.database.check(services.keyring).consistent


def test_remove_is_one_transaction(
    services: Services, clock: FrozenClock, root: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the device row is gone (here: writing the second audit event) leaves everything as it was."""
    _, serial, _ = enrol(services, clock, root)
    before = event_names(services, root.account_id)

    class Broken(Exception):
        pass

    append = SqlAuditLog.append

    def append_then_fail(self: SqlAuditLog, event: AuditEvent) -> Any:
        if event.event_name == "DeleteVirtualMFADevice":
            raise Broken()
        return append(self, event)

    monkeypatch.setattr(SqlAuditLog, "append", append_then_fail)
    with pytest.raises(Broken):
        services.mfa.remove(root, serial, actor=root)
    monkeypatch.undo()
    assert [d.serial for d in services.mfa.devices_of(root)] == [serial]  # still assigned, not orphaned
    assert event_names(services, root.account_id) == before
    assert services.database.check(services.keyring).consistent


def test_any_mfa_change_ends_the_users_sessions(services: Services, clock: FrozenClock, root: User) -> None:
    """S18 on every path: the API's EnableMFADevice and DeactivateMFADevice go through the same service."""
    grant = services.signin.password_step(email=EMAIL, password=PASSWORD)
    _, serial, _ = enrol(services, clock, root)
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token)
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    services.mfa.deactivate(root, serial, actor=root)
    with pytest.raises(SessionInvalid):
        services.signin.current(half.token, stage=half.session.stage)


def test_a_password_change_ends_every_session(services: Services, root: User) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    grants = [
        services.signin.password_step(account_id=root.account_id, user_name="alice", password=PASSWORD)
        for _ in range(2)
    ]
    services.identity.set_login_profile(root.account_id, alice.name, "a brand new passphrase", actor=root, create=False)
    for grant in grants:
        with pytest.raises(SessionInvalid):
            services.signin.current(grant.token)


def test_sign_out_ends_the_session_on_the_server(services: Services, root: User) -> None:
    grant = services.signin.password_step(email=EMAIL, password=PASSWORD)
    services.signin.sign_out(grant.token)
    with pytest.raises(SessionInvalid):  # the token itself is dead, not just the cookie gone
        services.signin.current(grant.token)


# -- S19: a password reset neither signs in nor removes MFA ------------------------------------------------------


def test_a_password_reset_keeps_mfa_and_signs_nobody_in(services: Services, clock: FrozenClock, root: User) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    enrol(services, clock, alice)
    services.identity.set_login_profile(root.account_id, "alice", "the reset passphrase", actor=root, create=False)
    assert len(services.mfa.devices_of(alice)) == 1
    with services.database.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM sessions").scalar_one() == 0
    half = services.signin.password_step(account_id=root.account_id, user_name="alice", password="the reset passphrase")
    with pytest.raises(SessionInvalid):  # the new password alone reaches only the MFA step
        services.signin.current(half.token)
