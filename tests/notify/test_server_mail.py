"""S17 end to end: `twostep serve` with TWOSTEP_SMTP_* set mails the owner from its background dispatcher."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.notify.test_notifications import Inbox
from tests.server_harness import free_port, running_server
from tests.sts.harness import add_user


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def wait_for(inbox: Inbox, count: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while len(inbox.received) < count and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_server_mails_the_owner(tmp_path: Path, inbox: tuple[Inbox, int], workers: int) -> None:
    handler, port = inbox
    env = {
        "TWOSTEP_SMTP_HOST": "127.0.0.1",
        "TWOSTEP_SMTP_PORT": str(port),
        "TWOSTEP_SMTP_STARTTLS": "false",
        "TWOSTEP_SMTP_SENDER": "twostep@example.com",
    }
    with running_server(tmp_path, extra_env=env, workers=workers) as server:
        with server.services() as services:
            alice = add_user(services, server.account_id, "alice")  # enables a device: EnableMFADevice
        wait_for(handler, 1)
        time.sleep(2.5)  # a second process, or a second round, must not send it again
    assert len(handler.received) == 1
    recipients, raw = handler.received[0]
    assert recipients == [server.root_email]
    assert handler.subjects == ["twostep: MFA device added for IAM user alice"]
    assert alice.seed is not None
    for secret in (alice.seed, base64.b32encode(alice.seed), base64.b32encode(alice.seed).rstrip(b"=")):
        assert secret not in raw
    assert alice.secret.encode() not in raw


def test_no_smtp_host_no_mail(tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    handler, _ = inbox
    with running_server(tmp_path) as server:
        with server.services() as services:
            assert services.notifications is None
            add_user(services, server.account_id, "alice")
        time.sleep(1.5)
    assert handler.received == []
