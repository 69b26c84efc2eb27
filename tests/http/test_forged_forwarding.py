"""Security round 2, items 1 and 2, from outside over HTTP against the real server.

1. Forwarded headers are believed only from proxies the operator named: by default a client cannot pick its own
   address (to dodge the per-address delay, to switch it off with a malformed header, to satisfy aws:SourceIp or
   aws:SecureTransport, or to forge the audit log's address).
2. One account's wrong codes on a shared address do not throttle the users of another account there; within one
   account, guessing across many devices from one address is still slowed down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.server_harness import ROOT_PASSWORD, RunningServer, running_server
from tests.sts.harness import ApiUser, add_user, put_policy, signing_on_server_clock

# The harness turns delays off; these tests are about them. 30 s, not 1: the checks after the sixth failure must
# land inside the address's delay even on a loaded machine (creating users and clients takes real seconds).
DELAYS = {"TWOSTEP_MFA_BASE_DELAY": "30"}
CLI = [sys.executable, "-m", "twostep.cli"]
GUESSED_DEVICES = 8  # more than the five failures an address may make for free (Throttling.source_free_failures)


def with_headers(client: Any, headers: Callable[[], dict[str, str]]) -> Any:
    """Every request of this boto3 client carries these extra (unsigned) headers, as a client may add any."""

    def add(request: Any, **_: Any) -> None:
        for name, value in headers().items():
            request.headers[name] = value

    client.meta.events.register("before-send.*.*", add)
    return client


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def denied(call: Callable[..., Any], **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as exc:
        return exc.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
    return False


def guess_across_devices(
    server: RunningServer, account_id: str, headers: Callable[[], dict[str, str]], name: str = "guessed"
) -> int:
    """One wrong code on each of several new users' devices, from one address; how many were evaluated."""
    with server.services() as services:
        users = [add_user(services, account_id, f"{name}{i}") for i in range(GUESSED_DEVICES)]
    for user in users:
        sts = with_headers(user.client(server, "sts"), headers)
        assert denied(sts.get_session_token, SerialNumber=user.serial, TokenCode=wrong(user.code(server)))
    with server.services() as services:
        return sum(services.mfa.device(account_id, user.serial or "").failures > 0 for user in users)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, extra_env=DELAYS) as running, signing_on_server_clock(running):
        yield running


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(iter(f"203.0.113.{n}" for n in range(1, 100)).__next__, id="rotating-x-forwarded-for"),
        pytest.param(lambda: "not-an-ip", id="malformed-x-forwarded-for"),
    ],
)
def test_a_forged_address_does_not_escape_the_per_address_delay(
    server: RunningServer, forged: Callable[[], str]
) -> None:
    evaluated = guess_across_devices(server, server.account_id, lambda: {"X-Forwarded-For": forged()})
    # Five free failures, then the address waits (30 s): the rest arrive inside that delay and are not evaluated.
    assert evaluated <= 6, f"{evaluated} of {GUESSED_DEVICES} guesses evaluated"


def test_headers_do_not_satisfy_address_or_transport_conditions_nor_reach_the_audit_log(
    server: RunningServer,
) -> None:
    with server.services() as services:
        office = add_user(services, server.account_id, "office", device=False)
        put_policy(services, office.user, "from-the-office-over-https", CONDITIONAL_LIST_USERS)
    iam = with_headers(
        office.client(server, "iam"), lambda: {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert denied(iam.list_users)
    forged = {"X-Forwarded-For": "203.0.113.9"}
    guess_across_devices(server, server.account_id, lambda: forged)  # rejected codes are audited with an address
    with server.services() as services, services.database.audit_snapshot() as snapshot:
        addresses = {event.event.source_ip for event in snapshot.events() if event.event.source_ip}
    assert "203.0.113.9" not in addresses and "127.0.0.1" in addresses


def test_a_named_proxy_is_believed_and_its_malformed_header_ignored(tmp_path: Path) -> None:
    env = {**DELAYS, "TWOSTEP_TRUSTED_PROXIES": "127.0.0.1"}
    with running_server(tmp_path, extra_env=env) as server, signing_on_server_clock(server):
        with server.services() as services:
            office = add_user(services, server.account_id, "office", device=False)
            put_policy(services, office.user, "from-the-office-over-https", CONDITIONAL_LIST_USERS)
        through_proxy = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"}
        assert with_headers(office.client(server, "iam"), lambda: through_proxy).list_users()["Users"]
        assert denied(with_headers(office.client(server, "iam"), lambda: {"X-Forwarded-For": "203.0.113.9"}).list_users)
        # A malformed header from the proxy is ignored as a whole: the proxy's own address is throttled.
        evaluated = guess_across_devices(server, server.account_id, lambda: {"X-Forwarded-For": "garbage"})
        assert evaluated <= 6
        server.move_clock(120)  # past the address's delay
        with server.services() as services:
            user = add_user(services, server.account_id, "traveller")
        sts = with_headers(user.client(server, "sts"), lambda: through_proxy)
        assert denied(sts.get_session_token, SerialNumber=user.serial, TokenCode=wrong(user.code(server)))
        with server.services() as services, services.database.audit_snapshot() as snapshot:
            addresses = {event.event.source_ip for event in snapshot.events() if event.event.source_ip}
        assert "203.0.113.9" in addresses and "198.51.100.1" not in addresses


def test_one_accounts_failures_do_not_throttle_another_account_on_the_same_address(server: RunningServer) -> None:
    other = subprocess.run(
        [
            *CLI,
            "account",
            "create",
            "--data-dir",
            str(server.data_dir),
            "--email",
            "other@example.com",
            "--password-stdin",
        ],
        input=ROOT_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **server.env},
        timeout=120,
    )
    assert other.returncode == 0, other.stderr
    other_account = json.loads(other.stdout)["account_id"]
    with server.services() as services:
        bystander: ApiUser = add_user(services, other_account, "bystander")
    # Account A's users guess from 127.0.0.1 until the address is slowed down for account A ...
    assert guess_across_devices(server, server.account_id, dict) <= 6
    # ... and a user of account B on the same address signs in with the right code at once.
    credentials = bystander.client(server, "sts").get_session_token(
        SerialNumber=bystander.serial, TokenCode=bystander.code(server)
    )["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    # Within account A, the address is still one unit: another user's wrong guess right now is not evaluated.
    assert guess_across_devices(server, server.account_id, dict, name="later") == 0


CONDITIONAL_LIST_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {
                    "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            }
        ],
    }
)
