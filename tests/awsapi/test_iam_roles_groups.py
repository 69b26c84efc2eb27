"""Roles and groups over IAM with boto3: CRUD, their policies, conflicts, validation, paging; a user gains the
policies of its groups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import ADMIN_ARN, client_of_user, error_of, iam_client, module_server
from tests.server_harness import RunningServer

LIST_USERS = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-roles-groups") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def trust_of(account: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_role_lifecycle(iam: Any, server: RunningServer) -> None:
    account = server.account_id
    created = iam.create_role(
        RoleName="deployer",
        Path="/ci/",
        AssumeRolePolicyDocument=trust_of(account),
        Description="CI deployments",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "ci"}],
    )["Role"]
    assert created["RoleId"].startswith("AROA") and created["Arn"] == f"arn:aws:iam::{account}:role/ci/deployer"
    assert created["AssumeRolePolicyDocument"] == json.loads(trust_of(account))  # decoded by botocore
    role = iam.get_role(RoleName="deployer")["Role"]
    assert role["Description"] == "CI deployments" and role["MaxSessionDuration"] == 7200
    assert role["Tags"] == [{"Key": "team", "Value": "ci"}]
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/ci/")["Roles"]] == ["deployer"]
    iam.tag_role(RoleName="deployer", Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_role(RoleName="deployer", TagKeys=["team"])
    assert iam.list_role_tags(RoleName="deployer")["Tags"] == [{"Key": "env", "Value": "prod"}]

    narrower = json.loads(trust_of(account))
    narrower["Statement"][0]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    iam.update_assume_role_policy(RoleName="deployer", PolicyDocument=json.dumps(narrower))
    assert iam.get_role(RoleName="deployer")["Role"]["AssumeRolePolicyDocument"] == narrower

    iam.put_role_policy(RoleName="deployer", PolicyName="list", PolicyDocument=LIST_USERS)
    assert iam.list_role_policies(RoleName="deployer")["PolicyNames"] == ["list"]
    assert iam.get_role_policy(RoleName="deployer", PolicyName="list")["PolicyDocument"] == json.loads(LIST_USERS)
    iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMIN_ARN)
    attached = iam.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}]

    assert error_of_call(iam.delete_role, RoleName="deployer") == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    )
    iam.delete_role_policy(RoleName="deployer", PolicyName="list")
    assert error_of_call(iam.delete_role, RoleName="deployer") == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    )
    iam.detach_role_policy(RoleName="deployer", PolicyArn=ADMIN_ARN)
    iam.delete_role(RoleName="deployer")
    assert error_of_call(iam.get_role, RoleName="deployer") == (
        404,
        "NoSuchEntity",
        "The role with name deployer cannot be found.",
    )


def error_of_call(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(Exception) as raised:
        call(**kwargs)
    return error_of(raised.value)


def test_role_validation(iam: Any, server: RunningServer) -> None:
    account = server.account_id
    iam.create_role(RoleName="dup", AssumeRolePolicyDocument=trust_of(account))
    assert error_of_call(iam.create_role, RoleName="DUP", AssumeRolePolicyDocument=trust_of(account)) == (
        409,
        "EntityAlreadyExists",
        "Role with name DUP already exists.",
    )
    assert error_of_call(
        iam.create_role, RoleName="short", AssumeRolePolicyDocument=trust_of(account), MaxSessionDuration=50_000
    ) == (
        400,
        "ValidationError",
        "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200",
    )
    assert error_of_call(iam.create_role, RoleName="x" * 65, AssumeRolePolicyDocument=trust_of(account))[:2] == (
        400,
        "ValidationError",
    )
    identity_policy = LIST_USERS
    assert error_of_call(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=identity_policy) == (
        400,
        "MalformedPolicyDocument",
        "Has prohibited field Resource",
    )
    nobody = f"arn:aws:iam::{account}:user/nobody"
    naming_nobody = trust_of(account).replace(f"arn:aws:iam::{account}:root", nobody)
    assert error_of_call(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=naming_nobody) == (
        400,
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"{nobody}"',
    )
    # an identity policy still may not name a principal
    with_principal = trust_of(account).replace('"Action"', '"Resource": "*", "Action"')
    assert error_of_call(iam.put_role_policy, RoleName="dup", PolicyName="p", PolicyDocument=with_principal) == (
        400,
        "MalformedPolicyDocument",
        "Policy document should not specify a principal.",
    )
    assert error_of_call(iam.get_role_policy, RoleName="dup", PolicyName="none") == (
        404,
        "NoSuchEntity",
        "The role policy with name none cannot be found.",
    )


def test_list_roles_pages(iam: Any, server: RunningServer) -> None:
    for index in range(5):
        iam.create_role(RoleName=f"paged-{index}", Path="/paged/", AssumeRolePolicyDocument=trust_of(server.account_id))
    pages = iam.get_paginator("list_roles").paginate(PathPrefix="/paged/", PaginationConfig={"PageSize": 2})
    names = [role["RoleName"] for page in pages for role in page["Roles"]]
    assert names == [f"paged-{index}" for index in range(5)]


def test_a_user_gains_the_policies_of_its_groups(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="gina")
    gina = client_of_user(iam, server, "gina", admin=False)
    assert error_of_call(gina.list_users)[1] == "AccessDenied"
    group = iam.create_group(GroupName="readers", Path="/staff/")["Group"]
    assert group["GroupId"].startswith("AGPA")
    assert group["Arn"] == f"arn:aws:iam::{server.account_id}:group/staff/readers"
    iam.put_group_policy(GroupName="readers", PolicyName="list", PolicyDocument=LIST_USERS)
    iam.add_user_to_group(GroupName="readers", UserName="gina")
    assert "gina" in [user["UserName"] for user in gina.list_users()["Users"]]
    answer = iam.get_group(GroupName="readers")
    assert answer["Group"]["GroupName"] == "readers" and [u["UserName"] for u in answer["Users"]] == ["gina"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="gina")["Groups"]] == ["readers"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/staff/")["Groups"]] == ["readers"]
    assert iam.list_group_policies(GroupName="readers")["PolicyNames"] == ["list"]
    assert iam.get_group_policy(GroupName="readers", PolicyName="list")["PolicyDocument"] == json.loads(LIST_USERS)

    # managed policies attached to the group count too
    iam.delete_group_policy(GroupName="readers", PolicyName="list")
    assert error_of_call(gina.list_users)[1] == "AccessDenied"
    iam.attach_group_policy(GroupName="readers", PolicyArn=ADMIN_ARN)
    gina.list_users()
    assert iam.list_attached_group_policies(GroupName="readers")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}
    ]

    # DeleteUser and DeleteGroup conflicts, in AWS's words
    for key in iam.list_access_keys(UserName="gina")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="gina", AccessKeyId=key["AccessKeyId"])
    assert error_of_call(iam.delete_user, UserName="gina") == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove user from all groups first.",
    )
    assert error_of_call(iam.delete_group, GroupName="readers") == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    iam.remove_user_from_group(GroupName="readers", UserName="gina")
    assert error_of_call(iam.delete_group, GroupName="readers")[2] == (
        "Cannot delete entity, must detach all policies first."
    )
    iam.detach_group_policy(GroupName="readers", PolicyArn=ADMIN_ARN)
    iam.delete_group(GroupName="readers")
    iam.delete_user(UserName="gina")
    assert error_of_call(iam.get_group, GroupName="readers") == (
        404,
        "NoSuchEntity",
        "The group with name readers cannot be found.",
    )


def test_account_summary_counts_roles_and_groups(iam: Any) -> None:
    before = iam.get_account_summary()["SummaryMap"]
    iam.create_group(GroupName="counted")
    after = iam.get_account_summary()["SummaryMap"]
    assert after["Groups"] == before["Groups"] + 1 and after["Roles"] == before["Roles"]
