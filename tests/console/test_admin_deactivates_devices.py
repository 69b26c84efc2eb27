"""Issue 14, item 3: on the Users page an administrator sees each user's MFA devices and deactivates a lost one,
with a fresh MFA proof of their own (over HTTP against the real server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient, console_client
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import add_user, put_policy

PASSWORD = "a long passphrase for ops"
ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
LIST_ONLY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def deactivate(client: ConsoleClient, user_name: str, serial: str) -> object:
    client.get("/users")
    return client.post("/users/mfa/deactivate", {"user_name": user_name, "serial": serial})


def test_the_root_user_deactivates_a_users_lost_device(server: RunningServer) -> None:
    with server.services() as services:
        alice = add_user(services, server.account_id, "alice")
    assert alice.serial is not None
    with console_client(server) as client:
        client.sign_in_root()
        client.enrol("root-phone")  # the root user must have MFA; the enrolment is also a fresh proof
        page = client.get("/users").text
        assert alice.serial in page and "Deactivate" in page
        done = deactivate(client, "alice", alice.serial)
        assert done.status_code == 303 and done.headers["location"] == "/users?notice=device-deactivated"  # type: ignore[attr-defined]
    with server.services() as services:
        user = services.identity.user(server.account_id, "alice")
        assert services.mfa.devices_of(user) == []


def test_an_administrator_needs_a_device_of_their_own_and_the_permission(server: RunningServer) -> None:
    with server.services() as services:
        alice = add_user(services, server.account_id, "alice")
        root = services.identity.root_user(server.account_id)
        ops = services.identity.create_user(server.account_id, "ops", actor=root, password=PASSWORD)
        put_policy(services, ops, "admin", ADMIN)
        services.identity.create_user(server.account_id, "viewer", actor=root, password=PASSWORD)
        viewer = services.identity.user(server.account_id, "viewer")
        put_policy(services, viewer, "list", LIST_ONLY)
    assert alice.serial is not None
    with console_client(server) as client:  # an administrator without a device: told to assign one first
        assert client.sign_in_iam("ops", PASSWORD).status_code == 303
        refused = deactivate(client, "alice", alice.serial)
        assert refused.status_code == 400 and "assign an MFA device first" in refused.text  # type: ignore[attr-defined]
    with console_client(server) as client:  # allowed to list users, not to deactivate their devices
        client.sign_in_iam("viewer", PASSWORD)
        refused = deactivate(client, "alice", alice.serial)
        assert refused.status_code == 403  # type: ignore[attr-defined]
    with server.services() as services:
        user = services.identity.user(server.account_id, "alice")
        assert [d.serial for d in services.mfa.devices_of(user)] == [alice.serial]
