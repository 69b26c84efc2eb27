"""`twostep user unlock`: an administrator lifts an MFA lockout (S8) and the password hard stop (S11), on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.databases import database_url, engine_under_test
from tests.helpers import code_at
from tests.server_harness import twostep
from twostep import bootstrap
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, RejectionReason
from twostep.mfa.verifier import AttemptContext
from twostep.settings import Settings
from twostep.signin.errors import SignInFailed
from twostep.store.tables import users
from twostep.throttling import Throttling

START = 1_800_000_000.0


@dataclass
class Locked:
    data_dir: Path
    env: dict[str, str]
    services: bootstrap.Services
    clock: FrozenClock
    alice: User
    root: User
    serials: list[str]
    seed: bytes

    def unlock(self, *args: str) -> tuple[int, str, str]:
        done = twostep("user", "unlock", "--data-dir", str(self.data_dir), *args, env=self.env)
        return done.returncode, done.stdout, done.stderr

    def failures(self, serial: str) -> int:
        return self.services.mfa.device(self.alice.account_id, serial).failures

    def try_code(self, code: str) -> None:
        device = self.services.mfa.device(self.alice.account_id, self.serials[0])
        with self.services.uow() as uow:
            self.services.verifier.verify(uow, device, code, AttemptContext("ConsoleLogin", self.alice.arn))
            uow.commit()


@pytest.fixture(params=[engine_under_test()])
def locked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Locked]:
    """alice has two devices: the first locked after 10 wrong codes, the second with 2 failures."""
    with database_url(request.param, tmp_path) as url:
        env = {"TWOSTEP_DATABASE_URL": url} if request.param == "postgresql" else {}
        data_dir = tmp_path / "data"
        init = twostep(
            "init",
            "--data-dir",
            str(data_dir),
            "--email",
            "r@example.com",
            "--password-stdin",
            stdin="a long phrase\n",
            env=env,
        )
        assert init.returncode == 0, init.stderr
        account_id = json.loads(init.stdout)["account_id"]
        clock = FrozenClock(START)
        settings = Settings(
            data_dir, database_url_override=env.get("TWOSTEP_DATABASE_URL"), mfa_throttle=Throttling(base_delay=0)
        )
        services = bootstrap.build(settings, clock=clock)
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(account_id)
        alice = services.identity.create_user(account_id, "alice", actor=root)
        serials, seeds = [], []
        for name in ("phone", "tablet"):
            new = services.mfa.create_virtual_device(account_id, name, actor=alice)
            now = clock.now()
            services.mfa.enable(
                alice, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=alice
            )
            serials.append(new.device.serial)
            seeds.append(new.seed)
        state = Locked(data_dir, env, services, clock, alice, root, serials, seeds[0])
        for _ in range(10):
            with pytest.raises(CodeRejected):
                state.try_code("000000" if code_at(seeds[0], START) != "000000" else "111111")
        other = services.mfa.device(account_id, serials[1])
        for _ in range(2):
            with pytest.raises(CodeRejected), services.uow() as uow:
                services.verifier.verify(uow, other, "12345", AttemptContext("ConsoleLogin"))
        try:
            yield state
        finally:
            services.close()


def test_a_locked_device_refuses_even_the_right_code(locked: Locked) -> None:
    locked.clock.advance(30)
    with pytest.raises(CodeRejected) as rejected:
        locked.try_code(code_at(locked.seed, locked.clock.now()))
    assert rejected.value.reason is RejectionReason.LOCKED


def test_unlock_every_device_with_failures(locked: Locked) -> None:
    code, out, err = locked.unlock("--account-id", locked.alice.account_id, "--user-name", "alice")
    assert code == 0, err
    result = json.loads(out)
    assert result["user"] == locked.alice.arn
    assert sorted(result["unlocked"], key=lambda d: d["serial"]) == [
        {"serial": locked.serials[0], "failures": 10, "was_locked": True},
        {"serial": locked.serials[1], "failures": 2, "was_locked": False},
    ]
    assert locked.failures(locked.serials[0]) == 0 and locked.failures(locked.serials[1]) == 0
    locked.clock.advance(30)
    locked.try_code(code_at(locked.seed, locked.clock.now()))  # signs in again
    with locked.services.uow(readonly=True) as uow:
        names = [e.event.event_name for e in uow.audit.events(locked.alice.account_id)]
    assert names.count("UnlockMFADevice") == 2


def test_unlock_one_device(locked: Locked) -> None:
    code, out, _ = locked.unlock(
        "--account-id", locked.alice.account_id, "--user-name", "ALICE", "--serial", locked.serials[0]
    )
    assert code == 0
    assert [d["serial"] for d in json.loads(out)["unlocked"]] == [locked.serials[0]]
    assert locked.failures(locked.serials[0]) == 0 and locked.failures(locked.serials[1]) == 2


def test_unlock_the_root_user(locked: Locked) -> None:
    code, out, err = locked.unlock("--account-id", locked.alice.account_id, "--root")
    assert code == 0, err
    assert json.loads(out) == {"user": locked.root.arn, "unlocked": []}


def test_refusals_change_nothing(locked: Locked) -> None:
    account = locked.alice.account_id
    code, _, err = locked.unlock("--account-id", account, "--user-name", "nobody")
    assert code == 2 and "no user 'nobody'" in err
    code, _, err = locked.unlock("--account-id", "999999999999", "--root")
    assert code == 2 and "no account" in err
    code, _, err = locked.unlock("--account-id", account, "--root", "--serial", locked.serials[0])
    assert code == 2 and "is not an MFA device of" in err
    code, _, err = locked.unlock("--account-id", account)
    assert code == 2 and "--user-name" in err
    assert locked.failures(locked.serials[0]) == 10


def test_unlock_lifts_the_password_hard_stop(locked: Locked) -> None:
    """S11: after 100 consecutive wrong passwords even the right one is refused, until an administrator unlocks."""
    services, root = locked.services, locked.root
    limit = services.signin.settings.password_max_failures
    with services.database.engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == root.id).values(password_failures=limit))
    with pytest.raises(SignInFailed):
        services.signin.password_step(email="r@example.com", password="a long phrase")
    code, out, err = locked.unlock("--account-id", root.account_id, "--root")
    assert code == 0, err
    assert json.loads(out) == {
        "user": root.arn,
        "unlocked": [],
        "password": {"failures": limit, "was_stopped": True},
    }
    assert services.signin.password_step(email="r@example.com", password="a long phrase").token
    with services.uow(readonly=True) as uow:
        names = [e.event.event_name for e in uow.audit.events(root.account_id)]
    assert names.count("UnlockConsolePassword") == 1
