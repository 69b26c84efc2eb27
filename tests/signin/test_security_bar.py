"""Security-bar points proven on the domain services (real store, frozen clock, SQLite and PostgreSQL):
S3 (one spent step on every path), S7 (a cancelled enrolment's seed is never reused), S11 (password hard stop,
separate counters), S13 (the dummy Argon2 run), S22 (Argon2id parameters stored), S27 (what is audited).
Sessions and device removal (S14, S17-S19, S29): test_security_bar_sessions.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import code_at
from tests.signin.security_bar import EMAIL, PASSWORD, enrol, events, signed_in
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext
from twostep.signin.errors import MfaFailed, SignInFailed
from twostep.sts.errors import MfaCodeInvalid


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account(EMAIL, PASSWORD)[1]


# -- S3: a step accepted on one path is spent on every other -------------------------------------------------------


@pytest.mark.parametrize("first", ["console", "sts", "reauthenticate"])
def test_a_code_accepted_on_one_path_is_refused_on_every_other(
    services: Services, clock: FrozenClock, root: User, first: str
) -> None:
    user = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    device_id, serial, seed = enrol(services, clock, user)
    signed = services.signin.mfa_step(
        services.signin.password_step(account_id=root.account_id, user_name="alice", password=PASSWORD).token,
        device_id,
        code_at(seed, clock.now()),
    )
    clock.advance(30)
    code = code_at(seed, clock.now())  # a step nobody has used yet

    def console() -> object:
        half = services.signin.password_step(account_id=root.account_id, user_name="alice", password=PASSWORD)
        return services.signin.mfa_step(half.token, device_id, code)

    def sts() -> object:
        return services.sts.get_session_token(user, serial_number=serial, token_code=code)

    def reauthenticate() -> object:
        return services.signin.reauthenticate(signed.token, password=PASSWORD, device_id=device_id, code=code)

    def remove() -> object:  # last: it would succeed for a fresh code, and the device would be gone
        services.mfa.remove(user, serial, actor=user, code=code)
        return None

    paths = {"console": console, "sts": sts, "reauthenticate": reauthenticate, "removal": remove}
    paths.pop(first)()
    for path in paths.values():
        clock.advance(5)  # past the delay the previous refusal earned, still within the code's window
        with pytest.raises((CodeRejected, MfaFailed, MfaCodeInvalid)):
            path()
    rejected = [e.error_code for e in events(services, root.account_id) if e.event_name == "MfaCodeRejected"]
    assert rejected == ["replayed"] * 3


def test_resync_codes_are_spent(services: Services, clock: FrozenClock, root: User) -> None:
    device_id, serial, seed = enrol(services, clock, root)
    clock.advance(60)
    now = clock.now()
    services.mfa.resync(root, serial, code_at(seed, now - 30), code_at(seed, now), actor=root)
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    with pytest.raises(MfaFailed):
        services.signin.mfa_step(half.token, device_id, code_at(seed, now))
    with services.uow(readonly=True) as uow:
        last = [e.event for e in uow.audit.events(root.account_id)][-1]
    assert last.event_name == "MfaCodeRejected" and last.error_code == "replayed"


# -- S7: a cancelled enrolment's seed is never reused --------------------------------------------------------------


def test_a_new_enrolment_under_the_same_name_gets_a_new_seed(services: Services, root: User) -> None:
    first = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    services.mfa.discard_unfinished(root.account_id, first.device.id, root)
    second = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    assert second.device.serial == first.device.serial
    assert second.seed != first.seed and second.device.id != first.device.id
    assert len(second.seed) == 20


# -- S11: password failures have their own counter, a delay, and a hard stop -----------------------------------


def test_a_hundred_password_failures_stop_the_password_but_not_the_device(
    services: Services, clock: FrozenClock, root: User
) -> None:
    device_id, _, seed = enrol(services, clock, root)
    limit = services.signin.settings.password_max_failures
    assert limit <= 100
    for _ in range(limit):
        clock.advance(61)  # past the largest delay: every attempt is evaluated
        with pytest.raises(SignInFailed):
            services.signin.password_step(email=EMAIL, password="wrong password")
    clock.advance(3600)
    with pytest.raises(SignInFailed):  # the hard stop: even the right password is refused now
        services.signin.password_step(email=EMAIL, password=PASSWORD)
    assert services.mfa.devices_of(root)[0].failures == 0  # password failures never touch the MFA counter
    # A new password (set by whoever administers the user; for root, `twostep user unlock --root`) lifts it.
    services.signin.unlock_password(root, actor=root)
    grant = signed_in(services, clock, device_id, seed)
    assert services.signin.current(grant.token).user.id == root.id


def test_mfa_failures_do_not_stop_the_password(services: Services, clock: FrozenClock, root: User) -> None:
    device_id, _, _ = enrol(services, clock, root)
    for _ in range(10):
        half = services.signin.password_step(email=EMAIL, password=PASSWORD)
        clock.advance(301)
        with pytest.raises(MfaFailed):
            services.signin.mfa_step(half.token, device_id, "12345")
    assert services.mfa.devices_of(root)[0].failures == 10
    with services.uow(readonly=True) as uow:
        assert uow.users.password_throttle(root.id)[0] == 0


# -- S13: unknown users cost an Argon2 run too -------------------------------------------------------------------


def test_unknown_users_cost_one_argon2_run_like_everyone_else(
    services: Services, root: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    class Counting:
        """Argon2's own hasher, counting the hashes it verifies."""

        def __init__(self, real: Any) -> None:
            self.real = real

        def verify(self, password_hash: str, password: str) -> bool:
            runs.append(password_hash)
            return bool(self.real.verify(password_hash, password))

    monkeypatch.setattr(services.hasher, "_argon2", Counting(services.hasher._argon2))
    no_profile = services.identity.create_user(root.account_id, "no-console", actor=root)
    attempts: list[dict[str, str]] = [
        {"email": "nobody@example.com"},
        {"email": EMAIL},
        {"account_id": root.account_id, "user_name": "nobody"},
        {"account_id": "000000000000", "user_name": "nobody"},
        {"account_id": root.account_id, "user_name": no_profile.name},
    ]
    for attempt in attempts:
        before = len(runs)
        with pytest.raises(SignInFailed) as failed:
            services.signin.password_step(password="wrong password", **attempt)  # type: ignore[arg-type]
        assert len(runs) == before + 1, attempt
        assert str(failed.value) == "Your authentication information is incorrect. Please try again."
    assert all(run.startswith("$argon2id$") for run in runs)


# -- S22: Argon2id with its parameters stored --------------------------------------------------------------------


def test_passwords_are_argon2id_with_their_parameters_in_the_hash(services: Services, root: User) -> None:
    assert root.password_hash is not None
    algorithm, version, parameters, salt, digest = root.password_hash.split("$")[1:]
    assert (algorithm, version) == ("argon2id", "v=19")
    values = dict(item.split("=") for item in parameters.split(","))
    assert int(values["m"]) >= 19 * 1024 and int(values["t"]) >= 2 and values["p"] == "1"
    assert salt and digest and PASSWORD not in root.password_hash


# -- S27: what the audit log records -----------------------------------------------------------------------------


def test_sign_ins_mfa_changes_failures_lockouts_and_replays_are_audited(
    services: Services, clock: FrozenClock, root: User
) -> None:
    with pytest.raises(SignInFailed):
        services.signin.password_step(email=EMAIL, password="wrong password")
    clock.advance(2)
    services.signin.password_step(email=EMAIL, password=PASSWORD)  # no MFA yet
    device_id, serial, seed = enrol(services, clock, root)
    grant = signed_in(services, clock, device_id, seed)
    assert grant.session.mfa_used
    with services.uow() as uow, pytest.raises(CodeRejected):
        services.verifier.verify(uow, services.mfa.device(root.account_id, serial), code_at(seed, clock.now()), ctx())
    for _ in range(10):
        clock.advance(301)
        with services.uow() as uow, pytest.raises(CodeRejected):
            services.verifier.verify(uow, services.mfa.device(root.account_id, serial), "12345", ctx())
    services.mfa.unlock(root.account_id, serial, actor=root)
    services.mfa.deactivate(root, serial, actor=root)
    recorded = events(services, root.account_id)
    logins = [(e.mfa_used, e.error_code) for e in recorded if e.event_name == "ConsoleLogin"]
    assert logins == [(None, "Failed authentication"), (False, None), (True, None)]
    rejections = [e.error_code for e in recorded if e.event_name == "MfaCodeRejected"]
    assert rejections == ["replayed"] + ["malformed"] * 9 + ["locked"]
    names = [e.event_name for e in recorded]
    for name in ("CreateVirtualMFADevice", "EnableMFADevice", "MfaDeviceLocked", "UnlockMFADevice"):
        assert names.count(name) == 1, name
    assert names[-1] == "DeactivateMFADevice"
    assert all(
        PASSWORD not in json.dumps(e.details) and "wrong password" not in json.dumps(e.details) for e in recorded
    )


def ctx() -> AttemptContext:
    return AttemptContext("GetSessionToken", None, "192.0.2.7")
