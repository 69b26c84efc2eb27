"""MFA-protected API access end to end with boto3: docs/policies/force-mfa.json, aws:MultiFactorAuthAge and
explicit Deny over Allow, through the real server (issue 4 §2-§3)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import ApiUser, add_user, put_policy, session_client, signing_on_server_clock
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN

FORCE_MFA = (Path(__file__).parents[2] / "docs" / "policies" / "force-mfa.json").read_text()
INVALID_TOKEN = ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(Path(tmp_path_factory.mktemp("policies"))) as running, signing_on_server_clock(running):
        yield running


def new_user(server: RunningServer, name: str, *policies: str, admin: bool = True, device: bool = True) -> ApiUser:
    with server.services() as services:
        created = add_user(services, server.account_id, name, device=device)
        for number, document in enumerate(policies):
            put_policy(services, created.user, f"policy-{number}", document)
        if admin:
            with services.uow(readonly=True) as uow:
                root = uow.users.root_of(server.account_id)
            services.policies.user_policies.attach(server.account_id, name, ADMINISTRATOR_ACCESS_ARN, actor=root)
    return created


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def denied(user: ApiUser, action: str, resource: str, explicit: bool) -> tuple[str, str, int]:
    reason = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    message = f"User: {user.user.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    return "AccessDenied", message, 403


def mfa_session(server: RunningServer, user: ApiUser, service: str, duration: int = 3600) -> Any:
    sts = user.client(server, "sts")
    answer = sts.get_session_token(SerialNumber=user.serial, TokenCode=user.next_code(server), DurationSeconds=duration)
    return session_client(server, service, answer["Credentials"])


def test_force_mfa_with_long_term_keys_allows_only_mfa_setup(server: RunningServer) -> None:
    nina = new_user(server, "nina", FORCE_MFA, device=False)
    iam = nina.client(server, "iam")
    users = f"arn:aws:iam::{server.account_id}:user/"
    assert error_of(iam.list_users) == denied(nina, "iam:ListUsers", users, explicit=True)
    assert error_of(iam.create_access_key)[0] == "AccessDenied"

    # Setting up MFA is what the policy leaves open.
    assert iam.get_user()["User"]["UserName"] == "nina"
    iam.list_virtual_mfa_devices()
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="nina-phone")["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed_text = seed.decode() if isinstance(seed, bytes) else base64.b64decode(seed).decode()
    now = server.now()
    iam.enable_mfa_device(
        UserName="nina",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=code_at(seed_text, now - 30),
        AuthenticationCode2=code_at(seed_text, now),
    )
    assert [d["SerialNumber"] for d in iam.list_mfa_devices()["MFADevices"]] == [device["SerialNumber"]]
    # ... but nothing else, not even undoing MFA, until the caller signs with an MFA session.
    newcomer = f"arn:aws:iam::{server.account_id}:user/newcomer"
    assert error_of(iam.create_user, UserName="newcomer") == denied(nina, "iam:CreateUser", newcomer, explicit=True)
    own = f"arn:aws:iam::{server.account_id}:user/nina"
    assert error_of(iam.deactivate_mfa_device, UserName="nina", SerialNumber=device["SerialNumber"]) == denied(
        nina, "iam:DeactivateMFADevice", own, explicit=True
    )

    # GetSessionToken with the new device gives credentials with which AdministratorAccess applies in full.
    server.move_clock(30)
    sts = nina.client(server, "sts")
    answer = sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode=code_at(seed_text, server.now()))
    session = session_client(server, "iam", answer["Credentials"])
    assert "nina" in {u["UserName"] for u in session.list_users()["Users"]}
    assert session.list_mfa_devices(UserName="admin")["MFADevices"] == []


def test_session_without_mfa_cannot_call_iam(server: RunningServer) -> None:
    omar = new_user(server, "omar", FORCE_MFA)
    answer = omar.client(server, "sts").get_session_token()
    iam = session_client(server, "iam", answer["Credentials"])
    assert error_of(iam.list_users) == INVALID_TOKEN
    assert error_of(iam.get_user) == INVALID_TOKEN
    sts = session_client(server, "sts", answer["Credentials"])
    assert sts.get_caller_identity()["Arn"] == omar.user.arn


def test_mfa_session_is_allowed_what_the_policies_allow(server: RunningServer) -> None:
    pia = new_user(server, "pia", FORCE_MFA)
    iam = mfa_session(server, pia, "iam")
    iam.list_users()
    created = iam.create_access_key()["AccessKey"]
    iam.delete_access_key(AccessKeyId=created["AccessKeyId"])


def test_without_administrator_access_the_mfa_session_gets_only_self_management(server: RunningServer) -> None:
    quinn = new_user(server, "quinn", FORCE_MFA, admin=False)
    iam = mfa_session(server, quinn, "iam")
    assert iam.get_user()["User"]["UserName"] == "quinn"
    users = f"arn:aws:iam::{server.account_id}:user/"
    assert error_of(iam.list_users) == denied(quinn, "iam:ListUsers", users, explicit=False)


def test_multi_factor_auth_age(server: RunningServer) -> None:
    fresh_mfa_only = """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*",
        "Resource": "*", "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "600"}}}]}"""
    rosa = new_user(server, "rosa", fresh_mfa_only)
    iam = mfa_session(server, rosa, "iam", duration=7200)
    iam.list_users()
    server.move_clock(601)
    users = f"arn:aws:iam::{server.account_id}:user/"
    assert error_of(iam.list_users) == denied(rosa, "iam:ListUsers", users, explicit=True)
    mfa_session(server, rosa, "iam").list_users()  # a new code restarts the age
    # Long-term keys carry no age at all, so the ...IfExists condition holds and the Deny applies.
    assert error_of(rosa.client(server, "iam").list_users) == denied(rosa, "iam:ListUsers", users, explicit=True)


def test_explicit_deny_beats_allow(server: RunningServer) -> None:
    no_deletes = """{"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": ["iam:DeleteUser", "iam:DeleteAccessKey"], "Resource": "*"}]}"""
    sam = new_user(server, "sam", no_deletes, device=False)
    iam = sam.client(server, "iam")
    iam.create_user(UserName="temp-user")
    assert error_of(iam.delete_user, UserName="temp-user") == denied(
        sam, "iam:DeleteUser", f"arn:aws:iam::{server.account_id}:user/temp-user", explicit=True
    )
    iam.detach_user_policy(UserName="sam", PolicyArn=ADMINISTRATOR_ACCESS_ARN)
    assert error_of(iam.list_users)[1].endswith("because no identity-based policy allows the iam:ListUsers action")
