"""The request context and resource of each call: action_resources (one table) and twostep.policy.language.access."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.awsapi.action_resources import IAM_ACTIONS, Directory, condition_keys, resource_arn, target_for
from twostep.identity.models import Tag, User
from twostep.policy.language.access import Permissions, RequestEnvironment, decide, is_allowed, principal_keys
from twostep.policy.language.document import parse_policy
from twostep.policy.language.evaluator import Decision

ACCOUNT = "123456789012"
NOW = 1_800_000_000.0


def user(name: str, path: str = "/", *, root: bool = False, tags: tuple[Tag, ...] = ()) -> User:
    return User(
        id="AIDA" + name.upper().ljust(17, "X")[:17],
        account_id=ACCOUNT,
        name="root" if root else name,
        path=path,
        is_root=root,
        email="owner@example.com" if root else None,
        password_hash=None,
        created_at=0.0,
        tags=tags,
    )


ALICE = user("alice")
OLGA = user("olga", "/ops/")
DIRECTORY = Directory(
    ACCOUNT,
    ALICE,
    find_user=lambda name: {"alice": ALICE, "olga": OLGA}.get(name),
    find_key_owner=lambda key: OLGA if key == "AKIAOLGA" else None,
)

RESOURCES: list[tuple[str, dict[str, Any], str]] = [
    ("ListUsers", {}, f"arn:aws:iam::{ACCOUNT}:user/"),
    ("ListUsers", {"PathPrefix": "/ops/"}, f"arn:aws:iam::{ACCOUNT}:user/ops/"),
    ("GetUser", {}, f"arn:aws:iam::{ACCOUNT}:user/alice"),
    ("GetUser", {"UserName": "olga"}, f"arn:aws:iam::{ACCOUNT}:user/ops/olga"),
    ("DeleteUser", {"UserName": "ghost"}, f"arn:aws:iam::{ACCOUNT}:user/ghost"),
    ("CreateUser", {"UserName": "newbie", "Path": "/eng/"}, f"arn:aws:iam::{ACCOUNT}:user/eng/newbie"),
    ("CreateUser", {"UserName": "newbie"}, f"arn:aws:iam::{ACCOUNT}:user/newbie"),
    ("CreateAccessKey", {}, f"arn:aws:iam::{ACCOUNT}:user/alice"),
    ("ChangePassword", {"OldPassword": "a", "NewPassword": "b"}, f"arn:aws:iam::{ACCOUNT}:user/alice"),
    ("GetAccessKeyLastUsed", {"AccessKeyId": "AKIAOLGA"}, f"arn:aws:iam::{ACCOUNT}:user/ops/olga"),
    ("EnableMFADevice", {"UserName": "olga", "SerialNumber": "s"}, f"arn:aws:iam::{ACCOUNT}:user/ops/olga"),
    ("DeactivateMFADevice", {"SerialNumber": "s"}, f"arn:aws:iam::{ACCOUNT}:user/alice"),
    ("CreateVirtualMFADevice", {"VirtualMFADeviceName": "p"}, f"arn:aws:iam::{ACCOUNT}:mfa/p"),
    ("CreateVirtualMFADevice", {"VirtualMFADeviceName": "p", "Path": "/x/"}, f"arn:aws:iam::{ACCOUNT}:mfa/x/p"),
    ("DeleteVirtualMFADevice", {"SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/p"}, f"arn:aws:iam::{ACCOUNT}:mfa/p"),
    ("TagMFADevice", {"SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/p"}, f"arn:aws:iam::{ACCOUNT}:mfa/p"),
    ("ListVirtualMFADevices", {}, "*"),
    ("GetAccountSummary", {}, "*"),
    ("CreatePolicy", {"PolicyName": "p"}, f"arn:aws:iam::{ACCOUNT}:policy/p"),
    (
        "GetPolicy",
        {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ),
    (
        "AttachUserPolicy",
        {"UserName": "olga", "PolicyArn": "arn:aws:iam::aws:policy/X"},
        f"arn:aws:iam::{ACCOUNT}:user/ops/olga",
    ),
    ("AddUserToGroup", {"GroupName": "devs", "UserName": "olga"}, f"arn:aws:iam::{ACCOUNT}:group/devs"),
    ("ListRoles", {}, f"arn:aws:iam::{ACCOUNT}:role/"),
    ("GetRole", {"RoleName": "r"}, f"arn:aws:iam::{ACCOUNT}:role/r"),
    # not in the table: the first entity the parameters name
    ("UploadSSHPublicKey", {"UserName": "olga"}, f"arn:aws:iam::{ACCOUNT}:user/ops/olga"),
    ("SimulatePrincipalPolicy", {}, "*"),
]


@pytest.mark.parametrize(("action", "params", "expected"), RESOURCES)
def test_iam_resources(action: str, params: dict[str, Any], expected: str) -> None:
    assert resource_arn("iam", action, params, DIRECTORY) == expected


def test_sts_resources() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert resource_arn("sts", "AssumeRole", {"RoleArn": role}, DIRECTORY) == role
    assert resource_arn("sts", "GetAccessKeyInfo", {"AccessKeyId": "AKIA"}, DIRECTORY) == "*"


def test_every_table_entry_names_a_modelled_parameter() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("iam")
    for action, target in IAM_ACTIONS.items():
        members = model.operation_model(action).input_shape
        names = set(members.members) if members is not None else set()
        assert target.param is None or target.param in names, action
        assert target_for("iam", action, {}) is target


def test_policy_arn_condition_key() -> None:
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert condition_keys("iam", "AttachUserPolicy", {"PolicyArn": arn}) == {"iam:PolicyARN": arn}
    assert condition_keys("iam", "GetPolicy", {"PolicyArn": arn}) == {}


def test_keys_of_a_long_term_key() -> None:
    keys = principal_keys(ALICE, RequestEnvironment(NOW, source_ip="192.0.2.1", secure_transport=False))
    assert keys["aws:username"] == "alice" and keys["aws:userid"] == ALICE.id
    assert keys["aws:PrincipalArn"] == ALICE.arn and keys["aws:PrincipalAccount"] == ACCOUNT
    assert keys["aws:CurrentTime"] == "2027-01-15T08:00:00Z" and keys["aws:EpochTime"] == 1_800_000_000
    assert keys["aws:SourceIp"] == "192.0.2.1" and keys["aws:SecureTransport"] is False
    assert "aws:MultiFactorAuthPresent" not in keys and "aws:MultiFactorAuthAge" not in keys


def test_keys_of_sessions() -> None:
    plain = principal_keys(ALICE, RequestEnvironment(NOW, temporary=True))
    assert plain["aws:MultiFactorAuthPresent"] is False and "aws:MultiFactorAuthAge" not in plain
    mfa = principal_keys(ALICE, RequestEnvironment(NOW, temporary=True, mfa_authenticated_at=NOW - 61.5))
    assert mfa["aws:MultiFactorAuthPresent"] is True and mfa["aws:MultiFactorAuthAge"] == 61


def test_keys_of_root_and_tags() -> None:
    root = principal_keys(user("root", root=True), RequestEnvironment(NOW))
    assert root["aws:userid"] == ACCOUNT and "aws:username" not in root
    assert root["aws:PrincipalArn"] == f"arn:aws:iam::{ACCOUNT}:root" and root["aws:PrincipalType"] == "Account"
    tagged = principal_keys(user("tina", tags=(Tag("team", "blue"),)), RequestEnvironment(NOW))
    assert tagged["aws:PrincipalTag/team"] == "blue"


def test_console_decision_for_a_user_signed_in_with_mfa() -> None:
    document = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:*",
                        "Resource": "*",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        )
    )
    users = f"arn:aws:iam::{ACCOUNT}:user/"
    signed_in_with_mfa = RequestEnvironment(NOW, temporary=True, mfa_authenticated_at=NOW - 10)
    assert is_allowed(Permissions((document,)), ALICE, "iam:ListUsers", users, signed_in_with_mfa)
    assert not is_allowed(
        Permissions((document,)), ALICE, "iam:ListUsers", users, RequestEnvironment(NOW, temporary=True)
    )
    assert is_allowed(Permissions(), user("root", root=True), "iam:ListUsers", users, RequestEnvironment(NOW))


_ACTIONS = st.sampled_from(["iam:ListUsers", "iam:GetUser", "iam:CreateUser", "sts:AssumeRole", "iam:*", "*"])
_RESOURCES = st.sampled_from(["*", f"arn:aws:iam::{ACCOUNT}:user/*", "arn:aws:iam::*:user/${aws:username}"])
_CONDITIONS = st.sampled_from(
    [
        {},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}},
    ]
)
_STATEMENT = st.fixed_dictionaries(
    {"Effect": st.just("Allow"), "Action": _ACTIONS, "Resource": _RESOURCES, "Condition": _CONDITIONS}
)


@settings(max_examples=200, deadline=None)
@given(
    allows=st.lists(_STATEMENT, max_size=5),
    deny=_STATEMENT,
    mfa_age=st.none() | st.floats(min_value=0, max_value=10_000),
    temporary=st.booleans(),
)
def test_an_applicable_deny_is_never_overridden(
    allows: list[dict[str, Any]], deny: dict[str, Any], mfa_age: float | None, temporary: bool
) -> None:
    deny = {**deny, "Effect": "Deny"}
    session = RequestEnvironment(
        NOW, temporary=temporary or mfa_age is not None, mfa_authenticated_at=None if mfa_age is None else NOW - mfa_age
    )
    denying = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    allowing = [parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [a]})) for a in allows] if allows else []
    resource = ALICE.arn
    for action in ("iam:ListUsers", "iam:GetUser", "sts:AssumeRole"):
        alone = decide(Permissions((denying,)), ALICE, action, resource, session).decision
        combined = decide(Permissions((*allowing, denying)), ALICE, action, resource, session).decision
        if alone is Decision.EXPLICIT_DENY:
            assert combined is Decision.EXPLICIT_DENY
        else:
            assert combined is not Decision.EXPLICIT_DENY
