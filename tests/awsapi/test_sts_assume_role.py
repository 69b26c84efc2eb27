"""Roles and AssumeRole with MFA end to end: boto3 against the real server (issue 4, the optional part).

A role's trust policy requires aws:MultiFactorAuthPresent; AssumeRole without a code, with a wrong one (counted
toward the device's lockout), with a right one (credentials that act as the role) and with a replayed one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.awsapi.iam_support import iam_client
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import ApiUser, add_user, put_policy, session_client, signing_on_server_clock

WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
MFA_REQUIRED = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(Path(tmp_path_factory.mktemp("roles"))) as running, signing_on_server_clock(running):
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*") -> str:
    return document({"Effect": "Allow", "Action": action, "Resource": resource})


def trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return document(statement)


def new_user(server: RunningServer, name: str, *, device: bool = True) -> ApiUser:
    with server.services() as services:
        return add_user(services, server.account_id, name, device=device)


def allow_for(server: RunningServer, user: ApiUser, name: str, text: str) -> None:
    with server.services() as services:
        put_policy(services, user.user, name, text)


def failures_of(server: RunningServer, user: ApiUser) -> int:
    with server.services() as services:
        return services.mfa.device(server.account_id, user.serial or "").failures


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def not_authorized(caller_arn: str, role_arn: str) -> tuple[str, str, int]:
    message = f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    return "AccessDenied", message, 403


def test_a_role_that_requires_mfa(server: RunningServer, iam: Any) -> None:
    account = server.account_id
    role = iam.create_role(
        RoleName="admins", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root", MFA_REQUIRED)
    )["Role"]
    iam.put_role_policy(RoleName="admins", PolicyName="list", PolicyDocument=allow("iam:ListUsers"))
    alice = new_user(server, "alice")
    allow_for(server, alice, "assume", allow("sts:AssumeRole", role["Arn"]))
    sts = alice.client(server, "sts")

    # without a code: the trust policy's condition does not hold
    assert error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="s-session") == not_authorized(
        alice.user.arn, role["Arn"]
    )
    # a wrong code: refused, and counted toward the device's lockout
    right = alice.code(server)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with_mfa = {"RoleArn": role["Arn"], "RoleSessionName": "s-session", "SerialNumber": alice.serial}
    refused = error_of(sts.assume_role, **with_mfa, TokenCode=wrong)
    assert refused == ("AccessDenied", WRONG_CODE, 403)
    assert failures_of(server, alice) == 1
    # the right code: credentials that act as the role
    answer = sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="alice-admin", SerialNumber=alice.serial, TokenCode=right
    )
    assert failures_of(server, alice) == 0
    assumed = answer["AssumedRoleUser"]
    assert assumed["Arn"] == f"arn:aws:sts::{account}:assumed-role/admins/alice-admin"
    assert assumed["AssumedRoleId"] == f"{role['RoleId']}:alice-admin"
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert 3590 <= credentials["Expiration"].timestamp() - server.now() <= 3601  # an hour by default
    identity = session_client(server, "sts", credentials).get_caller_identity()
    assert identity == {**identity, "Arn": assumed["Arn"], "UserId": assumed["AssumedRoleId"], "Account": account}
    as_role = session_client(server, "iam", credentials)
    assert "alice" in [user["UserName"] for user in as_role.list_users()["Users"]]
    # the role's policies decide, not alice's
    code, message, _ = error_of(alice.client(server, "iam").list_users)
    assert code == "AccessDenied" and message.startswith(f"User: {alice.user.arn} is not authorized")
    assert error_of(as_role.list_roles) == (
        "AccessDenied",
        f"User: {assumed['Arn']} is not authorized to perform: iam:ListRoles on resource: "
        f"arn:aws:iam::{account}:role/ because no identity-based policy allows the iam:ListRoles action",
        403,
    )
    # a replay of the code that was spent
    replayed = error_of(sts.assume_role, **with_mfa, TokenCode=right)
    assert replayed == ("AccessDenied", WRONG_CODE, 403)
    # a role session is no user: operations that default to the caller need a UserName
    iam.put_role_policy(RoleName="admins", PolicyName="get", PolicyDocument=allow("iam:GetUser"))
    assert error_of(as_role.get_user)[:2] == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    )


def test_a_trust_policy_naming_another_user(server: RunningServer, iam: Any) -> None:
    bob, carol = new_user(server, "bob", device=False), new_user(server, "carol", device=False)
    role = iam.create_role(RoleName="bobs", AssumeRolePolicyDocument=trust(bob.user.arn))["Role"]
    allow_for(server, carol, "assume", allow("sts:AssumeRole"))
    refused = error_of(carol.client(server, "sts").assume_role, RoleArn=role["Arn"], RoleSessionName="c-session")
    assert refused == not_authorized(carol.user.arn, role["Arn"])
    # bob is named directly: that is enough, without any policy of his own (as on AWS)
    bob.client(server, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="b-session")
    # an unknown role answers the same as a refusal
    unknown = f"arn:aws:iam::{server.account_id}:role/nobody"
    assert error_of(carol.client(server, "sts").assume_role, RoleArn=unknown, RoleSessionName="c-session") == (
        not_authorized(carol.user.arn, unknown)
    )


def test_mfa_from_get_session_token_carries_over(server: RunningServer, iam: Any) -> None:
    dave = new_user(server, "dave")
    role = iam.create_role(RoleName="mfa-only", AssumeRolePolicyDocument=trust(dave.user.arn, MFA_REQUIRED))["Role"]
    iam.put_role_policy(
        RoleName="mfa-only",
        PolicyName="list-with-mfa",
        PolicyDocument=document(
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": MFA_REQUIRED}
        ),
    )
    without = session_client(server, "sts", dave.client(server, "sts").get_session_token()["Credentials"])
    assert error_of(without.assume_role, RoleArn=role["Arn"], RoleSessionName="d-session")[0] == "AccessDenied"
    with_mfa = dave.client(server, "sts").get_session_token(SerialNumber=dave.serial, TokenCode=dave.code(server))
    sts = session_client(server, "sts", with_mfa["Credentials"])
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="d-session")["Credentials"]
    session_client(server, "iam", credentials).list_users()  # the role session carries the MFA context


def test_role_credentials_expire(server: RunningServer, iam: Any) -> None:
    erin = new_user(server, "erin", device=False)
    role = iam.create_role(RoleName="short", AssumeRolePolicyDocument=trust(erin.user.arn))["Role"]
    answer = erin.client(server, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="e-session", DurationSeconds=900
    )
    session = session_client(server, "sts", answer["Credentials"])
    session.get_caller_identity()
    server.move_clock(901)
    assert error_of(session.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


def test_session_policies_narrow_the_role(server: RunningServer, iam: Any) -> None:
    frank = new_user(server, "frank", device=False)
    role = iam.create_role(RoleName="wide", AssumeRolePolicyDocument=trust(frank.user.arn))["Role"]
    iam.put_role_policy(RoleName="wide", PolicyName="list", PolicyDocument=allow(["iam:ListUsers", "iam:ListRoles"]))
    answer = frank.client(server, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="f-session", Policy=allow("iam:ListUsers")
    )
    assert answer["PackedPolicySize"] > 0
    narrow = session_client(server, "iam", answer["Credentials"])
    narrow.list_users()
    assert error_of(narrow.list_roles)[0] == "AccessDenied"
    bad = error_of(
        frank.client(server, "sts").assume_role, RoleArn=role["Arn"], RoleSessionName="f-session", Policy="{}"
    )
    assert bad[0] == "MalformedPolicyDocument"
    tagged = {"RoleArn": role["Arn"], "RoleSessionName": "f-session", "Tags": [{"Key": "k", "Value": "v"}]}
    tags = error_of(frank.client(server, "sts").assume_role, **tagged)
    assert tags[:2] == ("ValidationError", "twostep does not support session tags (Tags).")


def test_the_root_user_cannot_assume_roles(server: RunningServer, iam: Any) -> None:
    role = iam.create_role(RoleName="for-root", AssumeRolePolicyDocument=trust("*"))["Role"]
    with server.services() as services:
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(server.account_id)
        key = services.identity.create_access_key(root, actor=root)
    sts = ApiUser(root, key.key.id, key.secret_access_key).client(server, "sts")
    assert error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="r-session") == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
        403,
    )


def test_durations(server: RunningServer, iam: Any) -> None:
    grace = new_user(server, "grace", device=False)
    role = iam.create_role(RoleName="long", AssumeRolePolicyDocument=trust(grace.user.arn), MaxSessionDuration=7200)[
        "Role"
    ]
    assert role["MaxSessionDuration"] == 7200
    sts = grace.client(server, "sts")
    assert error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="g-session", DurationSeconds=7201) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )
    assert error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="g-session", DurationSeconds=43_201)[:2] == (
        "ValidationError",
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200",
    )
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="g-session", DurationSeconds=7200)
    assert 7190 <= answer["Credentials"]["Expiration"].timestamp() - server.now() <= 7201


def test_a_malformed_code_counts(server: RunningServer, iam: Any) -> None:
    henry = new_user(server, "henry")
    role = iam.create_role(RoleName="henrys", AssumeRolePolicyDocument=trust(henry.user.arn, MFA_REQUIRED))["Role"]
    code, _, status = error_of(
        henry.client(server, "sts").assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="h-session",
        SerialNumber=henry.serial,
        TokenCode="12345x",
    )
    assert (code, status) == ("ValidationError", 400)
    assert failures_of(server, henry) == 1  # S5: malformed codes count on this path too
