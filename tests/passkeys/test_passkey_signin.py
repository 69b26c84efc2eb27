"""Signing in (and confirming) with a passkey, on both engines: the one verification path's counter, delays and lock
apply to assertions, and every refusal of the security bar is counted and recorded."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import code_at
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.ceremonies import (
    assertion_options,
    authenticator,
    half_signed_in,
    presented,
    register,
    signed_in_with,
    stored_credential,
)
from tests.signin.security_bar import PASSWORD, enrol, events
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import NoSuchDevice
from twostep.mfa.models import MfaDevice
from twostep.passkeys import ceremony
from twostep.passkeys.assertions import PresentedPasskey
from twostep.passkeys.models import PasskeyCredential, RelyingParty
from twostep.signin.errors import MfaFailed, SessionInvalid
from twostep.signin.models import Grant


@pytest.fixture
def key() -> SoftAuthenticator:
    return authenticator()


@pytest.fixture
def device(services: Services, root: User, key: SoftAuthenticator) -> MfaDevice:
    return register(services, half_signed_in(services), root, key)


def failures(services: Services, device: MfaDevice) -> int:
    with services.uow(readonly=True) as uow:
        return uow.devices.throttle_state(device.id)[0]


def rejections(services: Services, account_id: str) -> list[str | None]:
    return [e.error_code for e in events(services, account_id) if e.event_name == "MfaCodeRejected"]


def attempt(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator, half: Grant | None = None, **lie: object
) -> Grant:
    """The MFA step with the key's answer to a new challenge (of a new sign-in unless `half` is given)."""
    half = half or half_signed_in(services)
    return services.signin.mfa_step(
        half.token, device.id, "", passkey=presented(answer_for(services, half, root, device, key, **lie))
    )


def answer_for(
    services: Services, half: Grant, root: User, device: MfaDevice, key: SoftAuthenticator, **lie: object
) -> str:
    return key.get(assertion_options(services, half, root, device), **lie)  # type: ignore[arg-type]


def stored(services: Services, device: MfaDevice) -> PasskeyCredential:
    credential = stored_credential(services, device)
    assert credential is not None
    return credential


def test_a_passkey_signs_in(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    options = assertion_options(services, half, root, device)
    assert options["rpId"] == "example.com" and options["userVerification"] == "preferred"
    assert options["allowCredentials"] == [
        {"id": json.loads(key.get(options))["id"], "type": "public-key", "transports": ["usb"]}
    ]
    grant = attempt(services, root, device, key)  # (the answer above spent nothing: it was never sent)
    current = services.signin.current(grant.token)
    assert current.session.mfa_used and current.session.mfa_device_id == device.id
    credential = stored(services, device)
    assert credential.sign_count == key.sign_count and credential.last_used_at == clock.now()
    login = [e for e in events(services, root.account_id) if e.event_name == "ConsoleLogin"][-1]
    assert login.mfa_used is True and login.error_code is None


def test_an_authenticator_without_a_counter_signs_in_again_and_again(services: Services, root: User) -> None:
    key = authenticator(counter_step=0)
    device = register(services, half_signed_in(services), root, key)
    for _ in range(3):
        signed_in_with(services, root, device, key)
    assert stored(services, device).sign_count == 0


def test_a_replayed_assertion_is_refused_and_counted(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    answer = answer_for(services, half, root, device, key)
    services.signin.mfa_step(half.token, device.id, "", passkey=presented(answer))
    with pytest.raises(SessionInvalid):  # that sign-in is over: its session id rotated
        services.signin.mfa_step(half.token, device.id, "", passkey=presented(answer))
    other = half_signed_in(services)
    with pytest.raises(MfaFailed):  # no challenge of its own
        services.signin.mfa_step(other.token, device.id, "", passkey=presented(answer))
    clock.advance(5)
    assertion_options(services, other, root, device)
    with pytest.raises(MfaFailed):  # a challenge of its own, which the old answer does not sign
        services.signin.mfa_step(other.token, device.id, "", passkey=presented(answer))
    assert rejections(services, root.account_id) == ["stale", "wrong"]
    assert failures(services, device) == 2


def test_an_expired_challenge_is_refused(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    answer = answer_for(services, half, root, device, key)
    clock.advance(300)
    with pytest.raises(MfaFailed):
        services.signin.mfa_step(half.token, device.id, "", passkey=presented(answer))
    assert rejections(services, root.account_id) == ["stale"]


def test_a_challenge_of_another_session_is_refused(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    mine, theirs = half_signed_in(services), half_signed_in(services)
    assertion_options(services, mine, root, device)
    answer = answer_for(services, theirs, root, device, key)
    with pytest.raises(MfaFailed):
        services.signin.mfa_step(mine.token, device.id, "", passkey=presented(answer))
    assert rejections(services, root.account_id) == ["wrong"]


@pytest.mark.parametrize(
    "lie",
    [{"origin": "https://evil.test"}, {"origin": "http://mfa.example.com"}, {"rp_id": "evil.test"}],
    ids=["foreign-origin", "http-origin", "foreign-rp-id"],
)
def test_a_wrong_origin_or_rp_id_is_refused(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator, lie: dict[str, str]
) -> None:
    with pytest.raises(MfaFailed):
        attempt(services, root, device, key, **lie)
    assert failures(services, device) == 1


def test_a_relying_party_other_than_the_registrations_is_refused(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    answer = answer_for(services, half, root, device, key)
    elsewhere = PresentedPasskey(
        ceremony.read_assertion(answer), RelyingParty("other.example", ("https://other.example",))
    )
    with pytest.raises(MfaFailed):
        services.signin.mfa_step(half.token, device.id, "", passkey=elsewhere)


def test_a_sign_count_that_does_not_grow_is_refused_and_recorded(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    attempt(services, root, device, key, sign_count=5)
    for stale_count in (5, 3):  # the same count again, then a smaller one: a copy of the key would say so
        clock.advance(60)
        with pytest.raises(MfaFailed):
            attempt(services, root, device, key, sign_count=stale_count)
    recorded = [e for e in events(services, root.account_id) if e.event_name == "PasskeySignCountRegressed"]
    assert [(e.details["storedSignCount"], e.details["presentedSignCount"]) for e in recorded] == [(5, 5), (5, 3)]
    assert recorded[0].details["serialNumber"] == device.serial
    assert rejections(services, root.account_id) == ["cloned", "cloned"]
    assert stored(services, device).sign_count == 5
    clock.advance(60)
    key.sign_count = 5
    signed_in_with(services, root, device, key)  # the genuine key, counting on from 5, still signs in


def test_a_credential_of_another_user_is_refused(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    alices_key = authenticator()
    alice_half = services.signin.password_step(account_id=root.account_id, user_name="alice", password=PASSWORD)
    alices_device = register(services, alice_half, alice, alices_key)
    half = half_signed_in(services)
    options = assertion_options(services, half, root, device)
    with pytest.raises(MfaFailed):  # alice's key answers root's challenge
        services.signin.mfa_step(half.token, device.id, "", passkey=presented(alices_key.get(options)))
    assert failures(services, device) == 1
    with pytest.raises(NoSuchDevice):  # and root cannot even ask for options for alice's device
        assertion_options(services, half_signed_in(services), root, alices_device)


def test_failed_assertions_share_the_codes_delay_and_lock(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    with pytest.raises(MfaFailed) as failed:
        attempt(services, root, device, key, half, rp_id="evil.test")
    assert failed.value.retry_after == 1.0  # the codes' progressive delay (S10)
    with pytest.raises(MfaFailed):  # inside the delay: refused without being evaluated
        attempt(services, root, device, key, half)
    assert rejections(services, root.account_id)[-1] == "throttled"
    for _ in range(9):
        clock.advance(600)
        with pytest.raises(MfaFailed):
            attempt(services, root, device, key, origin="https://evil.test")
    assert failures(services, device) == 10
    assert "MfaDeviceLocked" in [e.event_name for e in events(services, root.account_id)]
    clock.advance(600)
    with pytest.raises(MfaFailed) as locked:  # the genuine key on a locked device: no sign-in (S10, S12)
        attempt(services, root, device, key)
    assert locked.value.ended


def test_a_code_for_a_passkey_is_counted_and_never_evaluated(services: Services, root: User, device: MfaDevice) -> None:
    half = half_signed_in(services)
    with pytest.raises(MfaFailed):
        services.signin.mfa_step(half.token, device.id, "123456")
    assert failures(services, device) == 1 and rejections(services, root.account_id) == ["wrong"]


def test_either_kind_of_device_signs_in(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    totp_id, _, seed = enrol(services, clock, root, "phone")
    assert {d.is_passkey for d in services.mfa.devices_of(root)} == {True, False}
    signed_in_with(services, root, device, key)
    half = half_signed_in(services)
    services.signin.mfa_step(half.token, totp_id, code_at(seed, clock.now()))


def test_reauthentication_takes_a_passkey(
    services: Services, clock: FrozenClock, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    grant = signed_in_with(services, root, device, key)
    clock.advance(600)
    assert not services.signin.is_fresh(services.signin.current(grant.token))
    options = assertion_options(services, grant, root, device)
    again = services.signin.reauthenticate(
        grant.token, password=PASSWORD, device_id=device.id, passkey=presented(key.get(options))
    )
    assert services.signin.is_fresh(services.signin.current(again.token))


def test_one_answer_signs_in_once_under_concurrency(
    services: Services, root: User, device: MfaDevice, key: SoftAuthenticator
) -> None:
    half = half_signed_in(services)
    answer = presented(answer_for(services, half, root, device, key))

    def attempt() -> str:
        try:
            services.signin.mfa_step(half.token, device.id, "", passkey=answer)
        except (MfaFailed, SessionInvalid) as refused:
            return type(refused).__name__
        return "signed in"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: attempt(), range(4)))
    assert outcomes.count("signed in") == 1
