"""S10: a progressive delay per source address, on top of each device's own: failed codes from one address count
whatever device or path they were tried on; inside the address's delay no code is evaluated, on any device."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

import pytest
import sqlalchemy as sa

from tests.helpers import code_at, earlier_step_codes
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.mfa.errors import CodeRejected, RejectionReason
from twostep.mfa.models import MfaDevice
from twostep.mfa.verifier import AttemptContext
from twostep.store.tables import source_throttles
from twostep.throttling import Throttling, source_key

ATTACKER = "203.0.113.9"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def devices(services: Services, clock: FrozenClock) -> list[tuple[MfaDevice, bytes]]:
    """Twelve users of one account, each with an enabled device: spraying guesses across devices."""
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    enrolled = []
    for i in range(12):
        user = services.identity.create_user(root.account_id, f"user{i}", actor=root)
        new = services.mfa.create_virtual_device(root.account_id, f"phone{i}", actor=user)
        device = services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, clock.now), actor=root)
        enrolled.append((device, new.seed))
    return enrolled


def attempt(services: Services, device: MfaDevice, code: str, source: str | None) -> None:
    with services.uow() as uow:
        services.verifier.verify(uow, device, code, AttemptContext("ConsoleLogin", None, source))
        uow.commit()


def wrong(seed: bytes, clock: FrozenClock) -> str:
    right = code_at(seed, clock.now())
    return f"{(int(right) + 1) % 1_000_000:06d}"


def failures_of(services: Services, device: MfaDevice) -> int:
    return services.mfa.device(device.account_id, device.serial).failures


def test_failures_on_many_devices_slow_the_address_down(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    throttling = services.verifier.throttling
    assert (throttling.source_free_failures, throttling.base_delay, throttling.source_max_delay) == (5, 1.0, 60.0)
    # One guess per device: no device comes near its own limit, yet the address earns a delay.
    for n, (device, seed) in enumerate(devices[:8], start=1):
        with pytest.raises(CodeRejected) as rejected:
            attempt(services, device, wrong(seed, clock), ATTACKER)
        assert rejected.value.reason is RejectionReason.WRONG
        expected = throttling.source_delay_after(n)
        assert expected == (0 if n <= 5 else 2 ** (n - 6))
        if expected:
            # Inside the address's delay a fresh device's right code is not evaluated: refused, and not counted.
            fresh, fresh_seed = devices[11]
            with pytest.raises(CodeRejected) as throttled:
                attempt(services, fresh, code_at(fresh_seed, clock.now()), ATTACKER)
            assert throttled.value.reason is RejectionReason.THROTTLED
            assert throttled.value.retry_after == pytest.approx(expected)
            assert failures_of(services, fresh) == 0
            clock.advance(expected)
    # Another address is not held back by this one.
    device, seed = devices[9]
    attempt(services, device, code_at(seed, clock.now()), ELSEWHERE)


def test_the_address_delay_doubles_up_to_a_minute_and_a_success_does_not_reset_it(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    for n in range(14):
        clock.advance(301)  # past every delay earned so far, and still well within the 15 minutes that link failures
        device, seed = devices[n % 10]
        with pytest.raises(CodeRejected) as rejected:
            attempt(services, device, wrong(seed, clock), ATTACKER)
        assert rejected.value.reason is RejectionReason.WRONG
    device, seed = devices[11]
    clock.advance(59)  # 14 failures: the address waits the cap, one minute
    with pytest.raises(CodeRejected) as throttled:
        attempt(services, device, code_at(seed, clock.now()), ATTACKER)
    assert throttled.value.reason is RejectionReason.THROTTLED and throttled.value.retry_after == pytest.approx(1)
    clock.advance(1)
    attempt(services, device, code_at(seed, clock.now()), ATTACKER)  # a success from the address...
    other, other_seed = devices[10]
    with pytest.raises(CodeRejected):  # ...resets nothing: the next failure is the 15th
        attempt(services, other, wrong(other_seed, clock), ATTACKER)
    with pytest.raises(CodeRejected) as again:
        attempt(services, devices[0][0], "123456", ATTACKER)
    assert again.value.reason is RejectionReason.THROTTLED and again.value.retry_after == pytest.approx(60)


def test_a_quiet_address_starts_afresh(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    for device, seed in devices[:7]:
        with pytest.raises(CodeRejected):
            attempt(services, device, wrong(seed, clock), ATTACKER)
        clock.advance(services.verifier.throttling.source_max_delay)
    clock.advance(services.verifier.throttling.source_forget_after)
    for device, seed in devices[7:12]:  # five free failures again, no delay between them
        with pytest.raises(CodeRejected) as rejected:
            attempt(services, device, wrong(seed, clock), ATTACKER)
        assert rejected.value.reason is RejectionReason.WRONG


def test_ipv6_addresses_count_by_their_64(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    assert source_key("2001:db8::1") == source_key("2001:db8::ffff:1") == "2001:db8::/64"
    assert source_key("2001:db8:0:1::1") == "2001:db8:0:1::/64"
    assert source_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert source_key(None) is None and source_key("not an address") is None
    for i, (device, seed) in enumerate(devices[:6]):  # each from another address of one /64
        with pytest.raises(CodeRejected):
            attempt(services, device, wrong(seed, clock), f"2001:db8::{i + 1:x}")
    device, seed = devices[6]
    with pytest.raises(CodeRejected) as throttled:
        attempt(services, device, code_at(seed, clock.now()), "2001:db8::abcd")
    assert throttled.value.reason is RejectionReason.THROTTLED
    attempt(services, device, code_at(seed, clock.now()), "2001:db8:0:1::1")  # the next /64 is someone else


def test_without_an_address_only_the_device_counts(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    for device, seed in devices[:8]:
        with pytest.raises(CodeRejected) as rejected:
            attempt(services, device, wrong(seed, clock), None)
        assert rejected.value.reason is RejectionReason.WRONG
    device, seed = devices[8]
    attempt(services, device, code_at(seed, clock.now()), None)


def test_the_source_delays() -> None:
    throttling = Throttling()
    assert [throttling.source_delay_after(n) for n in range(1, 14)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert Throttling(base_delay=0).source_delay_after(50) == 0  # tests and operators may switch delays off


def test_parallel_guesses_from_a_slowed_address_are_evaluated_one_at_a_time(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    """Once an address has failures, its attempts queue on its row: a burst on as many devices as it likes gets
    exactly one guess evaluated before the delay that guess earns stops the rest."""
    for device, seed in devices[:5]:  # the free failures, one after the other
        with pytest.raises(CodeRejected):
            attempt(services, device, wrong(seed, clock), ATTACKER)

    def guess(index: int) -> str:
        device, seed = devices[5 + index % 7]
        try:
            attempt(services, device, wrong(seed, clock), ATTACKER)
        except CodeRejected as rejected:
            return rejected.reason.value
        return "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(28)))
    assert outcomes.count(RejectionReason.WRONG.value) == 1
    assert outcomes.count(RejectionReason.THROTTLED.value) == 27


def test_a_throttled_burst_counts_on_no_device(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    """The attempts a slowed address's burst loses at the address's row were reserved on their devices first (one
    lock order: device, then address); the reservation is taken back, so only the evaluated guess counts."""
    for device, seed in devices[:5]:
        with pytest.raises(CodeRejected):
            attempt(services, device, wrong(seed, clock), ATTACKER)

    def guess(index: int) -> None:
        device, seed = devices[5 + index % 7]
        with pytest.raises(CodeRejected):
            attempt(services, device, wrong(seed, clock), ATTACKER)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(guess, range(21)))
    assert sum(failures_of(services, device) for device, _ in devices[5:]) == 1


def source_rows(services: Services) -> list[tuple[str, int]]:
    with services.database.engine.connect() as c:
        return [(r.source, r.failures) for r in c.execute(sa.select(source_throttles))]


def test_a_quiet_address_costs_a_read_no_row_and_no_lock(
    services: Services, clock: FrozenClock, devices: list[tuple[MfaDevice, bytes]]
) -> None:
    """S10 without a queue for the innocent: a right code from an address that has not failed creates no row and
    takes no lock; an address whose failures are forgotten is read, not locked (PostgreSQL: a transaction holding
    its row does not hold the check up)."""
    device, seed = devices[0]
    attempt(services, device, code_at(seed, clock.now()), ATTACKER)
    assert source_rows(services) == []

    other, other_seed = devices[1]
    with pytest.raises(CodeRejected):
        attempt(services, other, wrong(other_seed, clock), ATTACKER)
    assert [failures for _, failures in source_rows(services)] == [1]
    clock.advance(services.verifier.throttling.source_forget_after + 30)
    if services.database.dialect != "postgresql":
        attempt(services, device, code_at(seed, clock.now()), ATTACKER)
        return
    pool = ThreadPoolExecutor(max_workers=1)
    with services.database.engine.connect() as holder, holder.begin():
        holder.execute(sa.select(source_throttles).with_for_update()).all()
        done = pool.submit(attempt, services, device, code_at(seed, clock.now()), ATTACKER)
        finished = wait([done], timeout=20).done
    pool.shutdown()
    assert finished, "the check waited for the quiet address's row"
    done.result()
