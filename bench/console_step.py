"""The console's MFA step over HTTP, for bench/scaling.py: the password step of each sign-in is done before the
clock starts (Argon2 and all), and only the code step (POST /signin/mfa with the current code) is timed.

Each prepared sign-in is used once. A user's code is spent by its sign-in, so a user signs in at most once per
30-second step; `pick` leaves out users who signed in during the current step.
"""

from __future__ import annotations

import collections
import html
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.common import HOST, form_request
from bench.enrol import Enrolled

PASSWORD = "a long bench passphrase 7"
TOKEN = re.compile(r'name="(csrf_token|form_token)" value="([^"]*)"')


@dataclass
class ConsoleUser:
    account_id: str
    user: Enrolled
    last_step: int = -1  # the 30-second step of its last sign-in


def make_users(services: Any, accounts: list[str], count: int, prefix: str) -> list[ConsoleUser]:
    """`count` IAM users with a password and an enabled device (enabled with the codes of the two steps before
    this one, so this one is unspent), spread evenly over `accounts`."""
    from twostep.otp import totp_at_step

    made: list[ConsoleUser] = []
    for index in range(count):
        account_id = accounts[index % len(accounts)]
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(account_id)
        name = f"{prefix}{index:05d}"
        user = services.identity.create_user(account_id, name, actor=root, password=PASSWORD)
        new = services.mfa.create_virtual_device(account_id, f"{name}-phone", actor=user)
        if services.clock.now() % 30 > 29.0:
            time.sleep(30.05 - services.clock.now() % 30)
        step = int(services.clock.now() // 30)
        first, second = totp_at_step(new.seed, step - 2), totp_at_step(new.seed, step - 1)
        services.mfa.enable(user, new.device.serial, first, second, actor=user)
        made.append(ConsoleUser(account_id, Enrolled(name, "", "", new.device.serial, new.seed)))
    return made


def pick(users: list[ConsoleUser], count: int) -> list[ConsoleUser]:
    step = int(time.time() // 30)
    return [u for u in users if u.last_step < step][:count]


def _tokens(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in TOKEN.findall(page):
        found.setdefault(name, html.unescape(value))
    return found


@dataclass
class PendingSignIn:
    user: ConsoleUser
    address: str
    headers: dict[str, str]
    form: dict[str, str]


def _password_step(port: int, user: ConsoleUser, address: str) -> PendingSignIn | None:
    import httpx

    base = f"http://{HOST}:{port}"
    headers = {"Origin": base, "X-Forwarded-For": address}
    with httpx.Client(base_url=base, headers=headers, follow_redirects=False, timeout=60) as client:
        page = client.get(f"/signin/iam?account={user.account_id}")
        form = {**_tokens(page.text), "account_id": user.account_id, "user_name": user.user.name}
        answer = client.post("/signin/iam", data={**form, "password": PASSWORD})
        if answer.status_code != 303 or not answer.headers["location"].startswith("/signin/mfa"):
            return None
        page = client.get("/signin/mfa")
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return PendingSignIn(user, address, {**headers, "Cookie": cookies}, _tokens(page.text))


def prepare(port: int, users: list[ConsoleUser], address: Callable[[int], str]) -> collections.deque[PendingSignIn]:
    """The password step of each user's sign-in (4 at a time), untimed; the sign-ins that reached the code step."""
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda i: _password_step(port, users[i], address(i)), range(len(users))))
    return collections.deque(p for p in done if p is not None)


def supply(port: int, pending: collections.deque[PendingSignIn]) -> Callable[[], bytes | None]:
    """The next code step, with the code of the step it is sent in (computed as it is sent: a few µs)."""

    def next_request() -> bytes | None:
        if not pending:
            return None
        signin = pending.popleft()
        step = int(time.time() // 30)
        signin.user.last_step = step
        return form_request(port, "/signin/mfa", {**signin.form, "code": signin.user.user.code(step)}, signin.headers)

    return next_request


def signed_in(status: int, body: bytes) -> bool:
    """Redirected into the console; a refused code shows the form again (200), an ended sign-in goes to /signin."""
    return status == 303 and body == b"Location: /console"
