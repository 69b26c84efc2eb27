"""The MFA domain on a real (SQLite) store with a frozen clock: enrolment, replay, throttling, lockout."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import (
    CodeRejected,
    DeviceAlreadyExists,
    DeviceInUse,
    DeviceLimitExceeded,
    DeviceNotAssignedToUser,
    DeviceStillAssigned,
    InvalidDeviceName,
    RejectionReason,
)
from twostep.mfa.verifier import AttemptContext


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


def enrol(services: Services, clock: FrozenClock, user: User, name: str = "phone") -> bytes:
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    return new.seed


def verify(services: Services, user: User, code: str) -> None:
    device = services.mfa.devices_of(user)[0]
    with services.uow() as uow:
        services.verifier.verify(uow, device, code, AttemptContext("test"))
        uow.commit()


def test_enable_needs_two_consecutive_codes(services: Services, clock: FrozenClock, root: User) -> None:
    new = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    now = clock.now()
    with pytest.raises(CodeRejected):  # the same code twice is not consecutive
        services.mfa.enable(root, new.device.serial, code_at(new.seed, now), code_at(new.seed, now), actor=root)
    clock.advance(2)  # past the 1 s delay the failure earned
    with pytest.raises(CodeRejected):  # out of order
        services.mfa.enable(root, new.device.serial, code_at(new.seed, now), code_at(new.seed, now - 30), actor=root)
    clock.advance(5)
    now = clock.now()
    device = services.mfa.enable(
        root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root
    )
    assert device.user_id == root.id and device.enabled_at == now


def test_removal_with_a_code_is_for_the_holder_of_the_device_only(
    services: Services, clock: FrozenClock, root: User
) -> None:
    seed = enrol(services, clock, root)
    serial = services.mfa.devices_of(root)[0].serial
    other = services.identity.create_user(root.account_id, "bob", actor=root)
    clock.advance(30)
    code = code_at(seed, clock.now())
    with pytest.raises(DeviceNotAssignedToUser):
        services.mfa.remove(other, serial, actor=other, code=code)
    services.mfa.remove(root, serial, actor=root, code=code)  # the refusal above neither spent nor counted it
    assert services.mfa.devices_in_account(root.account_id) == []


def test_enrolment_codes_are_spent(services: Services, clock: FrozenClock, root: User) -> None:
    seed = enrol(services, clock, root)
    with pytest.raises(CodeRejected) as rejected:
        verify(services, root, code_at(seed, clock.now()))
    assert rejected.value.reason is RejectionReason.REPLAYED


def test_a_code_is_accepted_once(services: Services, clock: FrozenClock, root: User) -> None:
    seed = enrol(services, clock, root)
    clock.advance(30)
    verify(services, root, code_at(seed, clock.now()))
    clock.advance(5)
    with pytest.raises(CodeRejected) as rejected:
        verify(services, root, code_at(seed, clock.now()))
    assert rejected.value.reason is RejectionReason.REPLAYED


@pytest.mark.parametrize(("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, False), (60, False)])
def test_window_is_previous_and_current_step(
    services: Services, clock: FrozenClock, root: User, offset: int, accepted: bool
) -> None:
    seed = enrol(services, clock, root)
    clock.advance(300)
    code = code_at(seed, clock.now() + offset)
    if accepted:
        verify(services, root, code)
    else:
        with pytest.raises(CodeRejected):
            verify(services, root, code)


@pytest.mark.parametrize("code", [" 123456", "123 456", "１２３４５６", "+12345", "1234567", "12345", "", "12345\n"])
def test_malformed_codes_count_as_failures(services: Services, clock: FrozenClock, root: User, code: str) -> None:
    enrol(services, clock, root)
    clock.advance(30)
    with pytest.raises(CodeRejected) as rejected:
        verify(services, root, code)
    assert rejected.value.reason is RejectionReason.MALFORMED
    assert services.mfa.devices_of(root)[0].failures == 1


def test_progressive_delay_and_lockout(services: Services, clock: FrozenClock, root: User) -> None:
    seed = enrol(services, clock, root)
    for n in range(1, 11):
        clock.advance(30)
        wrong = "000000" if code_at(seed, clock.now()) != "000000" else "111111"
        with pytest.raises(CodeRejected) as rejected:
            verify(services, root, wrong)
        assert rejected.value.reason is RejectionReason.WRONG
        if n < 10:
            assert rejected.value.retry_after == min(2 ** (n - 1), 300)
            # Inside the delay the code is not even evaluated: a correct one is refused too.
            with pytest.raises(CodeRejected) as throttled:
                verify(services, root, code_at(seed, clock.now()))
            assert throttled.value.reason is RejectionReason.THROTTLED
            clock.advance(rejected.value.retry_after)
        else:
            assert rejected.value.device_locked
    clock.advance(3600)
    with pytest.raises(CodeRejected) as locked:
        verify(services, root, code_at(seed, clock.now()))
    assert locked.value.reason is RejectionReason.LOCKED
    assert services.mfa.devices_of(root)[0].failures == 10  # a locked device evaluates nothing more


def test_resync_unlocks_and_learns_drift(services: Services, clock: FrozenClock, root: User) -> None:
    seed = enrol(services, clock, root)
    device = services.mfa.devices_of(root)[0]
    for _ in range(10):
        clock.advance(600)
        with pytest.raises(CodeRejected):
            verify(services, root, "000000" if code_at(seed, clock.now()) != "000000" else "111111")
    clock.advance(600)
    # The phone's clock runs five minutes (ten steps) ahead.
    phone = clock.now() + 300
    services.mfa.resync(root, device.serial, code_at(seed, phone - 30), code_at(seed, phone), actor=root)
    clock.advance(60)
    verify(services, root, code_at(seed, clock.now() + 300))
    assert services.mfa.devices_of(root)[0].drift == 10


def test_device_limit_and_reuse_rules(services: Services, clock: FrozenClock, root: User) -> None:
    for i in range(8):
        enrol(services, clock, root, f"d{i}")
    extra = services.mfa.create_virtual_device(root.account_id, "d8", actor=root)
    now = clock.now()
    with pytest.raises(DeviceLimitExceeded):
        services.mfa.enable(
            root, extra.device.serial, code_at(extra.seed, now - 30), code_at(extra.seed, now), actor=root
        )
    with pytest.raises(DeviceAlreadyExists):
        services.mfa.create_virtual_device(root.account_id, "d8", actor=root)
    assigned = services.mfa.devices_of(root)[0]
    with pytest.raises(DeviceInUse):
        services.mfa.enable(root, assigned.serial, "123456", "654321", actor=root)
    with pytest.raises(DeviceStillAssigned):
        services.mfa.delete(root.account_id, assigned.serial, actor=root)
    services.mfa.deactivate(root, assigned.serial, actor=root)
    services.mfa.delete(root.account_id, assigned.serial, actor=root)
    with pytest.raises(InvalidDeviceName):
        services.mfa.create_virtual_device(root.account_id, "bad name", actor=root)


def test_seeds_are_fresh_and_sealed(services: Services, root: User) -> None:
    a = services.mfa.create_virtual_device(root.account_id, "a", actor=root)
    b = services.mfa.create_virtual_device(root.account_id, "b", actor=root)
    assert a.seed != b.seed and len(a.seed) == 20
    assert a.seed not in a.device.seed.blob


def test_audit_records_changes_and_failures(services: Services, clock: FrozenClock, root: User) -> None:
    enrol(services, clock, root)
    clock.advance(30)
    with pytest.raises(CodeRejected):
        verify(services, root, "12345")
    with services.uow(readonly=True) as uow:
        names = [e.event.event_name for e in uow.audit.events(root.account_id)]
    assert names == ["CreateAccount", "CreateVirtualMFADevice", "EnableMFADevice", "MfaCodeRejected"]
