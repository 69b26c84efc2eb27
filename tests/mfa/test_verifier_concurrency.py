"""Rule 2 under concurrency (S4, S9): parallel checks of one device, on SQLite and PostgreSQL.

Threads here each open their own transaction through the real store, as separate requests would.
The multi-process versions (two servers on one PostgreSQL) are in tests/concurrency/.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, DeviceInUse, DeviceLimitExceeded, RejectionReason
from twostep.mfa.verifier import AttemptContext
from twostep.throttling import Throttling


def attempt(services: Services, user: User, code: str) -> str:
    device = services.mfa.devices_of(user)[0]
    try:
        with services.uow() as uow:
            services.verifier.verify(uow, device, code, AttemptContext("test"))
            uow.commit()
        return "accepted"
    except CodeRejected as rejected:
        return rejected.reason.value


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", "correct horse battery")[1]


@pytest.fixture
def seed(services: Services, clock: FrozenClock, root: User) -> bytes:
    new = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    now = clock.now()
    services.mfa.enable(root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    clock.advance(30)
    return new.seed


def test_parallel_submissions_of_one_code_succeed_once(
    services: Services, clock: FrozenClock, root: User, seed: bytes
) -> None:
    code = code_at(seed, clock.now())
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: attempt(services, root, code), range(50)))
    assert outcomes.count("accepted") == 1
    assert set(outcomes) <= {"accepted", "replayed", "throttled", "locked"}


def test_parallel_wrong_codes_evaluate_at_most_the_limit(
    services: Services, clock: FrozenClock, root: User, seed: bytes
) -> None:
    services.verifier.throttling = Throttling(max_failures=10, base_delay=0)
    wrong = "000000" if code_at(seed, clock.now()) != "000000" else "111111"
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: attempt(services, root, wrong), range(200)))
    assert outcomes.count(RejectionReason.WRONG.value) == 10
    assert outcomes.count(RejectionReason.LOCKED.value) == 190
    assert services.mfa.devices_of(root)[0].failures == 10
    assert attempt(services, root, code_at(seed, clock.now())) == "locked"


def test_one_device_enabled_for_two_users_in_parallel(services: Services, clock: FrozenClock, root: User) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root)
    bob = services.identity.create_user(root.account_id, "bob", actor=root)
    new = services.mfa.create_virtual_device(root.account_id, "shared", actor=root)
    now = clock.now()
    codes = (code_at(new.seed, now - 30), code_at(new.seed, now))

    def enable(user: User) -> str:
        try:
            services.mfa.enable(user, new.device.serial, *codes, actor=root)
            return "enabled"
        except (DeviceInUse, CodeRejected) as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(enable, [alice, bob]))
    assert outcomes.count("enabled") == 1


def test_the_eight_device_limit_holds_under_parallel_enables(
    services: Services, clock: FrozenClock, root: User
) -> None:
    for i in range(7):
        new = services.mfa.create_virtual_device(root.account_id, f"d{i}", actor=root)
        now = clock.now()
        services.mfa.enable(root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    extra = [services.mfa.create_virtual_device(root.account_id, f"x{i}", actor=root) for i in range(5)]
    now = clock.now()

    def enable(index: int) -> str:
        new = extra[index]
        try:
            services.mfa.enable(
                root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root
            )
            return "enabled"
        except DeviceLimitExceeded:
            return "limit"

    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = list(pool.map(enable, range(5)))
    assert outcomes.count("enabled") == 1 and outcomes.count("limit") == 4
    assert len(services.mfa.devices_of(root)) == 8
