"""S11 under parallel load, from outside: wrong passwords sent at once are evaluated no faster than the delay allows.

Before, the delay was written only after the Argon2 check, so 29 parallel wrong passwords were all reserved
before the first delay existed (12 of them evaluated in 0.74 s). Now the reservation starts the delay.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient
from tests.server_harness import RunningServer, running_server

ATTEMPTS = 29


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def ready_client(server: RunningServer) -> ConsoleClient:
    """A browser-like client on the root user's password form (its tokens in hand)."""
    client = ConsoleClient(server)
    client.get("/signin")
    assert client.post("/signin", {"email": server.root_email}).status_code == 200
    return client


def test_parallel_wrong_passwords_wait_for_the_delay(server: RunningServer) -> None:
    clients = [ready_client(server) for _ in range(ATTEMPTS)]
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(ATTEMPTS) as pool:
            answers = list(
                pool.map(
                    lambda c: c.post("/signin/root", {"email": server.root_email, "password": "wrong"}).status_code,
                    clients,
                )
            )
        elapsed = time.monotonic() - started
    finally:
        for client in clients:
            client.close()
    assert all(status != 303 for status in answers)  # nobody signed in
    with server.services() as services:
        root = services.identity.root_user(server.account_id)
        evaluated = services.signin.unlock_password(root, actor=root)  # the consecutive failures counted
    # The delay doubles from 1 s: within t seconds at most 1 + log2(1 + t) attempts can start their evaluation.
    allowed = 1 + int(elapsed).bit_length()
    assert 1 <= evaluated <= allowed, f"{evaluated} of {ATTEMPTS} evaluated in {elapsed:.2f} s"
