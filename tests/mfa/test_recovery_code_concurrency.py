"""Brute force against recovery codes (issue 14, S9, S35): parallel wrong codes evaluate no more than the limit and
lock the set, and the counters are the verifier's (the set's reserved failures, the source address's), on SQLite and
PostgreSQL. Threads each open their own transaction through the real store, as separate requests would."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, RejectionReason
from twostep.mfa.verifier import AttemptContext
from twostep.throttling import Throttling


@pytest.fixture
def alice(services: Services, clock: FrozenClock) -> tuple[User, tuple[str, ...]]:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    alice = services.identity.create_user(root.account_id, "alice", actor=root)
    new = services.mfa.create_virtual_device(root.account_id, "phone", actor=alice)
    now = clock.now()
    services.mfa.enable(alice, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=alice)
    return alice, services.recovery.issue_owed(alice)


def attempt(services: Services, user: User, code: str, source: str | None = None) -> str:
    try:
        with services.uow() as uow:
            services.verifier.verify_recovery_code(uow, user, code, AttemptContext("test", user.arn, source))
            uow.commit()
        return "accepted"
    except CodeRejected as rejected:
        return rejected.reason.value


def failures(services: Services, user: User) -> int:
    with services.uow(readonly=True) as uow:
        state = uow.recovery_codes.throttle_state(user.id)
    assert state is not None
    return state[0]


def test_parallel_wrong_codes_evaluate_at_most_the_limit(
    services: Services, alice: tuple[User, tuple[str, ...]]
) -> None:
    user, codes = alice
    services.verifier.throttling = Throttling(max_failures=10, base_delay=0)
    wrong = "zzzzz-zzzzz" if "zzzzz-zzzzz" not in codes else "yyyyy-yyyyy"
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: attempt(services, user, wrong), range(200)))
    assert outcomes.count(RejectionReason.WRONG.value) == 10
    assert outcomes.count(RejectionReason.LOCKED.value) == 190
    assert failures(services, user) == 10
    assert attempt(services, user, codes[0]) == "locked"  # the lock holds for a right code too
    assert services.recovery.status(user).remaining == len(codes)


def test_with_the_delay_parallel_guesses_mostly_wait(services: Services, alice: tuple[User, tuple[str, ...]]) -> None:
    user, _ = alice
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: attempt(services, user, "zzzzz-zzzzz", "203.0.113.9"), range(50)))
    # The frozen clock never moves: after the first failure, everything else falls inside a delay.
    assert outcomes.count(RejectionReason.WRONG.value) == 1
    assert outcomes.count(RejectionReason.THROTTLED.value) == 49
    assert failures(services, user) == 1


def test_parallel_submissions_of_one_code_succeed_once(services: Services, alice: tuple[User, tuple[str, ...]]) -> None:
    user, codes = alice
    services.verifier.throttling = Throttling(max_failures=10, base_delay=0, source_free_failures=1000)
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: attempt(services, user, codes[0]), range(30)))
    assert outcomes.count("accepted") == 1
    assert set(outcomes) <= {"accepted", "replayed", "locked"}
    assert services.recovery.status(user).remaining == len(codes) - 1
