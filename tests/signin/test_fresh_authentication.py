"""Fresh authentication before MFA changes (S17) and session renewal after them (S18), frozen clock."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import Grant

PASSWORD = "correct horse battery"


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", PASSWORD)[1]


def enrol(services: Services, clock: FrozenClock, user: User, name: str = "phone") -> tuple[str, bytes]:
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    return new.device.id, new.seed


def sign_in(services: Services, clock: FrozenClock, device_id: str, seed: bytes) -> Grant:
    half = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    clock.advance(30)
    return services.signin.mfa_step(half.token, device_id, code_at(seed, clock.now()))


def test_password_only_user_is_fresh_for_five_minutes(services: Services, clock: FrozenClock, root: User) -> None:
    grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    clock.advance(299)
    assert services.signin.is_fresh(services.signin.current(grant.token))
    clock.advance(2)
    assert not services.signin.is_fresh(services.signin.current(grant.token))


def test_reauthentication_needs_the_password_and_a_code(services: Services, clock: FrozenClock, root: User) -> None:
    device_id, seed = enrol(services, clock, root)
    grant = sign_in(services, clock, device_id, seed)
    services.signin.update_data(grant.session, {"enrolment": "MFADX"})
    clock.advance(301)
    current = services.signin.current(grant.token)
    assert not services.signin.is_fresh(current)

    with pytest.raises(SignInFailed):
        services.signin.reauthenticate(grant.token, password="wrong", device_id=device_id, code="123456")
    clock.advance(2)
    with pytest.raises(MfaFailed) as no_code:
        services.signin.reauthenticate(grant.token, password=PASSWORD, device_id=device_id, code="")
    assert not no_code.value.ended
    with pytest.raises(MfaFailed):
        services.signin.reauthenticate(grant.token, password=PASSWORD, device_id="MFADNOTMINE", code="123456")
    clock.advance(30)
    renewed = services.signin.reauthenticate(
        grant.token, password=PASSWORD, device_id=device_id, code=code_at(seed, clock.now())
    )
    assert renewed.token != grant.token
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token)
    now = services.signin.current(renewed.token)
    assert services.signin.is_fresh(now)
    assert now.session.data == {"enrolment": "MFADX"}  # the wizard survives re-authentication
    assert now.session.created_at == grant.session.created_at  # no escape from the absolute timeout


def test_renewal_after_an_mfa_change_ends_other_sessions(services: Services, clock: FrozenClock, root: User) -> None:
    here = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    elsewhere = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    device_id, _ = enrol(services, clock, root)
    for old in (here, elsewhere):  # S18: the MFA change itself ended every session of the user
        with pytest.raises(SessionInvalid):
            services.signin.current(old.token)
    renewed = services.signin.renew_after_mfa_change(here.session, proved_device_id=device_id)
    for old in (here, elsewhere):
        with pytest.raises(SessionInvalid):
            services.signin.current(old.token)
    current = services.signin.current(renewed.token)
    assert current.session.mfa_device_id == device_id and current.session.mfa_used
    assert services.signin.is_fresh(current)  # the two enrolment codes were a fresh proof
