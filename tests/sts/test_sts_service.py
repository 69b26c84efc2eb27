"""GetSessionToken and temporary credentials in the domain, on a real store with a frozen clock."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.sts.errors import InvalidDuration, InvalidSessionToken, MfaCodeInvalid, MfaDeviceInvalid, SessionExpired
from twostep.sts.terms import session_token_hash


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def enrol(services: Services, clock: FrozenClock, user: User, name: str) -> tuple[str, bytes]:
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    clock.advance(30)  # the enrolment spent the current step
    return new.device.serial, new.seed


def test_without_mfa_the_credentials_carry_no_mfa_context(services: Services, clock: FrozenClock, alice: User) -> None:
    issued = services.sts.get_session_token(alice)
    assert issued.access_key_id.startswith("ASIA") and len(issued.access_key_id) == 20
    assert issued.expiration == clock.now() + 43_200
    assert not issued.credential.mfa_present
    resolved = services.sts.resolve(issued.access_key_id, issued.session_token)
    assert resolved.principal == services.identity.user(alice.account_id, "alice")
    assert resolved.secret_access_key == issued.secret_access_key


def test_a_valid_code_gives_mfa_context(services: Services, clock: FrozenClock, alice: User) -> None:
    serial, seed = enrol(services, clock, alice, "alice-phone")
    issued = services.sts.get_session_token(
        alice, duration_seconds=900, serial_number=serial, token_code=code_at(seed, clock.now())
    )
    assert issued.credential.mfa_authenticated_at == clock.now()
    assert issued.credential.mfa_serial == serial
    assert issued.expiration == clock.now() + 900


def test_the_code_is_spent_and_a_wrong_one_counts_toward_lockout(
    services: Services, clock: FrozenClock, alice: User
) -> None:
    serial, seed = enrol(services, clock, alice, "alice-phone")
    code = code_at(seed, clock.now())
    services.sts.get_session_token(alice, serial_number=serial, token_code=code)
    with pytest.raises(MfaCodeInvalid) as replayed:
        services.sts.get_session_token(alice, serial_number=serial, token_code=code)
    assert isinstance(replayed.value.__cause__, CodeRejected)
    wrong = "000000" if code != "000000" else "111111"
    clock.advance(5)
    with pytest.raises(MfaCodeInvalid):
        services.sts.get_session_token(alice, serial_number=serial, token_code=wrong)
    assert services.mfa.device(alice.account_id, serial).failures == 2  # the replay and the wrong code (S25)


def test_the_serial_must_be_a_device_of_the_caller(
    services: Services, clock: FrozenClock, root: User, alice: User
) -> None:
    bob = services.identity.create_user(root.account_id, "bob", actor=root)
    serial, seed = enrol(services, clock, bob, "bob-phone")
    with pytest.raises(MfaDeviceInvalid) as refused:
        services.sts.get_session_token(alice, serial_number=serial, token_code=code_at(seed, clock.now()))
    assert "  Please verify your MFA serial number" in str(refused.value)
    with pytest.raises(MfaDeviceInvalid):
        services.sts.get_session_token(
            alice, serial_number=f"arn:aws:iam::{root.account_id}:mfa/none", token_code="123456"
        )
    with pytest.raises(MfaDeviceInvalid):  # one without the other
        services.sts.get_session_token(alice, serial_number=serial)
    assert services.mfa.device(root.account_id, serial).failures == 0  # bob's device was never tried


def test_another_accounts_device_is_unknown(services: Services, clock: FrozenClock, alice: User) -> None:
    _, other_root = services.identity.create_account("other@example.com", "correct horse battery")
    serial, seed = enrol(services, clock, other_root, "root-phone")
    with pytest.raises(MfaDeviceInvalid):
        services.sts.get_session_token(alice, serial_number=serial, token_code=code_at(seed, clock.now()))


def test_duration_bounds_and_the_root_cap(services: Services, clock: FrozenClock, root: User, alice: User) -> None:
    for bad in (899, 129_601):
        with pytest.raises(InvalidDuration):
            services.sts.get_session_token(alice, duration_seconds=bad)
    assert services.sts.get_session_token(alice, duration_seconds=129_600).expiration == clock.now() + 129_600
    assert services.sts.get_session_token(root).expiration == clock.now() + 3_600
    assert services.sts.get_session_token(root, duration_seconds=900).expiration == clock.now() + 900


def test_expiry_and_wrong_tokens(services: Services, clock: FrozenClock, alice: User) -> None:
    issued = services.sts.get_session_token(alice, duration_seconds=900)
    other = services.sts.get_session_token(alice, duration_seconds=900)
    with pytest.raises(InvalidSessionToken):
        services.sts.resolve(issued.access_key_id, other.session_token)
    with pytest.raises(InvalidSessionToken):
        services.sts.resolve("ASIA" + "A" * 16, issued.session_token)
    clock.advance(899)
    services.sts.resolve(issued.access_key_id, issued.session_token)
    clock.advance(1)
    with pytest.raises(SessionExpired):
        services.sts.resolve(issued.access_key_id, issued.session_token)


def test_secrets_are_not_stored_in_clear(services: Services, alice: User) -> None:
    issued = services.sts.get_session_token(alice)
    with services.uow(readonly=True) as uow:
        credential, sealed = uow.temporary_credentials.get(issued.access_key_id) or pytest.fail("not stored")
        events = [recorded.event for recorded in uow.audit.events(alice.account_id)]
    assert credential.token_hash == session_token_hash(issued.session_token)
    assert issued.secret_access_key.encode() not in sealed.blob
    logged = repr(events)
    assert issued.secret_access_key not in logged and issued.session_token not in logged
    assert events[-1].event_name == "GetSessionToken" and events[-1].mfa_used is False


def test_deleting_the_user_ends_its_sessions(services: Services, root: User, alice: User) -> None:
    issued = services.sts.get_session_token(alice)
    services.identity.delete_user(root.account_id, "alice", actor=root)
    with pytest.raises(InvalidSessionToken):
        services.sts.resolve(issued.access_key_id, issued.session_token)
