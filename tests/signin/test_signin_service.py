"""Console sign-in rules on a real store with a frozen clock (S11-S15)."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import Stage

PASSWORD = "correct horse battery"


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", PASSWORD)[1]


def enrol(services: Services, clock: FrozenClock, user: User) -> tuple[str, bytes]:
    new = services.mfa.create_virtual_device(user.account_id, "phone", actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    return new.device.id, new.seed


def test_without_mfa_the_password_signs_in(services: Services, root: User) -> None:
    grant = services.signin.password_step(email="OWNER@example.com", password=PASSWORD)
    assert grant.session.stage is Stage.SIGNED_IN
    assert services.signin.current(grant.token).user.id == root.id


def test_with_mfa_the_password_reaches_only_the_mfa_step(services: Services, clock: FrozenClock, root: User) -> None:
    device_id, seed = enrol(services, clock, root)
    grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    assert grant.session.stage is Stage.NEEDS_MFA
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token)
    clock.advance(30)
    signed_in = services.signin.mfa_step(grant.token, device_id, code_at(seed, clock.now()))
    assert signed_in.token != grant.token  # rotated (S14)
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token, stage=Stage.NEEDS_MFA)
    current = services.signin.current(signed_in.token)
    assert current.session.mfa_used


def test_unknown_user_and_wrong_password_fail_alike(services: Services, root: User) -> None:
    with pytest.raises(SignInFailed) as unknown:
        services.signin.password_step(email="nobody@example.com", password=PASSWORD)
    with pytest.raises(SignInFailed) as wrong:
        services.signin.password_step(email="owner@example.com", password="wrong password")
    assert str(unknown.value) == str(wrong.value)


def test_password_delay_then_success_resets(services: Services, clock: FrozenClock, root: User) -> None:
    with pytest.raises(SignInFailed):
        services.signin.password_step(email="owner@example.com", password="wrong password")
    with pytest.raises(SignInFailed):  # inside the 1 s delay even the right password is not evaluated
        services.signin.password_step(email="owner@example.com", password=PASSWORD)
    clock.advance(2)
    services.signin.password_step(email="owner@example.com", password=PASSWORD)
    with services.uow(readonly=True) as uow:
        assert uow.users.password_throttle(root.id)[0] == 0


def test_mfa_lockout_ends_the_half_finished_sign_in(services: Services, clock: FrozenClock, root: User) -> None:
    device_id, seed = enrol(services, clock, root)
    grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    for _ in range(9):
        clock.advance(300)
        with pytest.raises(MfaFailed) as failed:
            services.signin.mfa_step(grant.token, device_id, "00000")
        assert not failed.value.ended
        grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    clock.advance(300)
    with pytest.raises(MfaFailed) as locked:
        services.signin.mfa_step(grant.token, device_id, "00000")
    assert locked.value.ended  # S12: the password must be entered again
    with pytest.raises(SessionInvalid):
        services.signin.mfa_step(grant.token, device_id, code_at(seed, clock.now()))


def test_idle_and_absolute_timeouts(services: Services, clock: FrozenClock, root: User) -> None:
    grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    clock.advance(31 * 60)
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token)
    grant = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    for _ in range(25):  # active every 29 minutes, still ended after 12 hours
        clock.advance(29 * 60)
        try:
            services.signin.current(grant.token)
        except SessionInvalid:
            break
    assert clock.now() - grant.session.created_at > 12 * 3600 - 29 * 60


def test_sign_out_everywhere(services: Services, root: User) -> None:
    a = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    b = services.signin.password_step(email="owner@example.com", password=PASSWORD)
    assert services.signin.sign_out_everywhere(root) == 2
    for grant in (a, b):
        with pytest.raises(SessionInvalid):
            services.signin.current(grant.token)
