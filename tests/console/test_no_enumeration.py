"""S13 at the console, against the real server: unknown user, wrong password (whatever the user's MFA state, locked
device included) and wrong, malformed or missing codes get the same status and body, and take the same time.

The timing test takes many interleaved samples of each class from one client and compares medians. It runs with
the production answer floor (Settings.signin_answer_floor), which the other tests switch off to stay fast.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.console.console_client import ConsoleClient, console_client
from tests.helpers import code_at, earlier_step_codes
from tests.server_harness import RunningServer, running_server
from twostep.bootstrap import Services
from twostep.identity.models import User
from twostep.settings import Settings
from twostep.store.tables import mfa_devices

pytestmark = pytest.mark.slow

PASSWORD = "a long and unguessable passphrase"
WRONG = "not the password at all"
FLOOR = Settings(data_dir=Path(".")).signin_answer_floor  # the production default
PASSWORD_ROUNDS = 16
CODE_ROUNDS = 12
# Tolerance for the difference of two medians. With the floor, every answer here takes FLOOR plus the loop's own
# latency, so medians of interleaved samples agree to well under a millisecond on an idle machine; on a busy
# 2-core machine (pytest -n 2, the other worker running Chromium or Argon2) single samples stretch by several
# milliseconds, but interleaving spreads that over every class and medians ignore the outliers. 4 ms is twice the
# difference the floor removes (a failed attempt's bookkeeping: ~2 ms measured here) and a fifth of one Argon2
# run (~20 ms here, more on slower machines), the difference a skipped dummy hash would make under load.
TOLERANCE = 0.004


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("no-enumeration")
    with running_server(tmp, extra_env={"TWOSTEP_SIGNIN_ANSWER_FLOOR": str(FLOOR)}) as running:
        yield running


def iam_user(services: Services, account_id: str, name: str, *, device: bool) -> tuple[User, bytes | None]:
    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(account_id)
    user = services.identity.create_user(account_id, name, actor=root, password=PASSWORD)
    if not device:
        return user, None
    new = services.mfa.create_virtual_device(account_id, f"{name}-phone", actor=user)
    services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, services.clock.now), actor=root)
    return user, new.seed


def lock(services: Services, user: User) -> None:
    """The device as ten wrong codes leave it (as if someone had guessed against it)."""
    device = services.mfa.devices_of(user)[0]
    with services.database.engine.begin() as connection:
        connection.execute(mfa_devices.update().where(mfa_devices.c.id == device.id).values(failures=10))


def sample(
    classes: dict[str, Callable[[], httpx.Response]], rounds: int
) -> dict[str, list[tuple[float, httpx.Response]]]:
    """Every class once per round, in a new random order each round: drift and load hit every class alike."""
    samples: dict[str, list[tuple[float, httpx.Response]]] = {name: [] for name in classes}
    shuffler = random.Random(6)
    for _ in range(rounds):
        order = list(classes)
        shuffler.shuffle(order)
        for name in order:
            started = time.perf_counter()
            response = classes[name]()
            samples[name].append((time.perf_counter() - started, response))
    return samples


def assert_alike(samples: dict[str, list[tuple[float, httpx.Response]]], normalise: Callable[[str, str], str]) -> None:
    bodies = {name: {(r.status_code, normalise(name, r.text)) for _, r in taken} for name, taken in samples.items()}
    first = next(iter(bodies.values()))
    assert len(first) == 1, first  # every answer of a class is the same...
    for name, seen in bodies.items():
        assert seen == first, name  # ...and the same as every other class's
    medians = {name: statistics.median(t for t, _ in taken) for name, taken in samples.items()}
    for name, taken in samples.items():
        assert min(t for t, _ in taken) >= FLOOR, name  # nothing is answered before the floor
    spread = max(medians.values()) - min(medians.values())
    assert spread < TOLERANCE, {name: round(m * 1000, 2) for name, m in medians.items()}


def test_the_password_step_reveals_nothing(server: RunningServer) -> None:
    with server.services() as services:
        iam_user(services, server.account_id, "plain", device=False)
        iam_user(services, server.account_id, "protected", device=True)
        locked, _ = iam_user(services, server.account_id, "locked", device=True)
        lock(services, locked)
    with console_client(server) as browser:
        browser.get(f"/signin/iam?account={server.account_id}")
        token = browser.page

        def attempt(user_name: str) -> Callable[[], httpx.Response]:
            def post() -> httpx.Response:
                browser.page = token
                return browser.post(
                    "/signin/iam", {"account_id": server.account_id, "user_name": user_name, "password": WRONG}
                )

            return post

        def root(email: str) -> Callable[[], httpx.Response]:
            def post() -> httpx.Response:
                browser.page = token
                return browser.post("/signin/root", {"email": email, "password": WRONG})

            return post

        classes = {
            "unknown IAM user": attempt("nobody"),
            "wrong password": attempt("plain"),
            "wrong password, MFA on": attempt("protected"),
            "wrong password, device locked": attempt("locked"),
            "unknown root email": root("nobody@example.com"),
            "wrong root password": root(server.root_email),
        }
        samples = sample(classes, PASSWORD_ROUNDS)
    names = {"nobody", "plain", "protected", "locked", "nobody@example.com", server.root_email}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))

    def normalise(_: str, body: str) -> str:
        body = pattern.sub("NAME", body)
        return body.replace("/signin/root", "/signin/FORM").replace("/signin/iam", "/signin/FORM")

    for _, response in samples["unknown IAM user"][:1]:
        assert response.status_code == 400
        assert "Your authentication information is incorrect. Please try again." in response.text
    iam = {k: v for k, v in samples.items() if "root" not in k}
    assert_alike(iam, normalise)
    root_samples = {k: v for k, v in samples.items() if "root" in k}
    assert_alike(root_samples, normalise)


def half_signed_in(server: RunningServer, user_name: str) -> ConsoleClient:
    client = ConsoleClient(server)
    assert client.sign_in_iam(user_name, PASSWORD).headers["location"] == "/signin/mfa"
    client.get("/signin/mfa")
    return client


def test_the_mfa_step_answers_every_failure_alike(server: RunningServer) -> None:
    with server.services() as services:
        user, seed = iam_user(services, server.account_id, "coder", device=True)
        device = services.mfa.devices_of(user)[0]
    assert seed is not None
    browser = half_signed_in(server, "coder")
    page = browser.page
    try:

        def submit(code: str) -> Callable[[], httpx.Response]:
            def post() -> httpx.Response:
                browser.page = page
                return browser.post("/signin/mfa", {"code": code})

            return post

        right = code_at(seed, server.now())
        classes = {
            "wrong code": submit(f"{(int(right) + 1) % 1_000_000:06d}"),
            "malformed code": submit("12 345"),
            "missing code": submit(""),
        }
        samples: dict[str, list[tuple[float, httpx.Response]]] = {name: [] for name in classes}
        with server.services() as services:
            for _ in range(CODE_ROUNDS // 3):  # each round costs the device three failures: unlock in between
                for name, taken in sample(classes, 3).items():
                    samples[name] += taken
                services.mfa.unlock(server.account_id, device.serial, actor=user)
        assert_alike(samples, lambda _, body: body)
        assert samples["wrong code"][0][1].status_code == 400
        assert "The MFA code is not valid" in samples["wrong code"][0][1].text
    finally:
        browser.close()


def test_a_locked_device_at_the_mfa_step_ends_the_sign_in(server: RunningServer) -> None:
    """The one answer S13 cannot share: S12 wants a lockout to end the half-finished sign-in, which whoever holds
    the password then sees (docs/security.md). The password step before it does not reveal the lock (above)."""
    with server.services() as services:
        user, seed = iam_user(services, server.account_id, "gone", device=True)
    assert seed is not None
    browser = half_signed_in(server, "gone")
    try:
        with server.services() as services:
            lock(services, user)
        started = time.perf_counter()
        ended = browser.submit_mfa(code_at(seed, server.now()))
        assert time.perf_counter() - started >= FLOOR
        assert ended.status_code == 303
        assert ended.headers["location"] == f"/signin/iam?account={server.account_id}&notice=mfa-ended"
        assert browser.get("/signin/mfa").headers["location"] == "/signin"
    finally:
        browser.close()
