"""Issue 4 §4: the console evaluates the same identity policies as the API, in the context of the console
session (aws:MultiFactorAuthPresent is true once the MFA step was passed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.console.console_client import ConsoleClient, console_client
from tests.server_harness import RunningServer, running_server

PASSWORD = "bob's long password"
# Bob may manage users only in a session that passed MFA.
MANAGE_USERS_WITH_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:ListUsers", "iam:CreateUser"],
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}
DENY_CREATE = {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def iam(server: RunningServer) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=server.admin["access_key_id"],
        aws_secret_access_key=server.admin["secret_access_key"],
    )


def test_users_page_follows_policies_and_mfa(server: RunningServer) -> None:
    client = iam(server)
    client.create_user(UserName="bob")
    client.create_login_profile(UserName="bob", Password=PASSWORD)
    bob: ConsoleClient
    with console_client(server) as bob:
        assert bob.sign_in_iam("bob", PASSWORD).headers["location"] == "/console"
        assert bob.get("/users").status_code == 403  # no policy: implicit deny

        client.put_user_policy(
            UserName="bob", PolicyName="users-with-mfa", PolicyDocument=json.dumps(MANAGE_USERS_WITH_MFA)
        )
        assert bob.get("/users").status_code == 403  # allowed only with MFA, and this session has none

        enrolled = bob.enrol("bob-phone")
        bob.sign_out()
        assert bob.sign_in_iam("bob", PASSWORD).headers["location"] == "/signin/mfa"
        server.move_clock(30)
        assert bob.submit_mfa(bob.current_code(enrolled.secret)).headers["location"] == "/console"
        assert bob.get("/users").status_code == 200
        created = bob.post("/users", {"name": "carol", "password": "carol's long password"})
        assert created.headers["location"] == "/users?notice=user-created"

        client.put_user_policy(
            UserName="bob",
            PolicyName="deny-create",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}],
                }
            ),
        )
        assert bob.get("/users").status_code == 200
        assert bob.post("/users", {"name": "dave", "password": "dave's long password"}).status_code == 403
    names = [u["UserName"] for u in client.list_users()["Users"]]
    assert "carol" in names and "dave" not in names
