"""Users over IAM with boto3: CreateUser, GetUser, ListUsers (paging), DeleteUser (DeleteConflict), user tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import enable_new_device, error_of, iam_client, module_server
from tests.server_harness import RunningServer

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-users") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def test_create_get_and_delete_a_user(iam: Any, server: RunningServer) -> None:
    created = iam.create_user(UserName="carol", Path="/staff/", Tags=[{"Key": "team", "Value": "ops"}])["User"]
    assert created["UserName"] == "carol"
    assert created["Path"] == "/staff/"
    assert created["Arn"] == f"arn:aws:iam::{server.account_id}:user/staff/carol"
    assert created["UserId"].startswith("AIDA")
    assert created["Tags"] == [{"Key": "team", "Value": "ops"}]
    fetched = iam.get_user(UserName="carol")["User"]
    assert fetched["UserId"] == created["UserId"]
    assert fetched["CreateDate"] == created["CreateDate"]
    iam.delete_user(UserName="carol")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_user(UserName="carol")
    assert error_of(missing.value) == (404, "NoSuchEntity", "The user with name carol cannot be found.")


def test_get_user_without_a_name_is_the_caller(iam: Any, server: RunningServer) -> None:
    me = iam.get_user()["User"]
    assert me["UserName"] == server.admin["user_name"]
    assert me["Arn"] == f"arn:aws:iam::{server.account_id}:user/{server.admin['user_name']}"


def test_names_are_unique_in_any_case(iam: Any) -> None:
    iam.create_user(UserName="Dave")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as exists:
        iam.create_user(UserName="dave")
    assert error_of(exists.value)[:2] == (409, "EntityAlreadyExists")
    assert iam.get_user(UserName="DAVE")["User"]["UserName"] == "Dave"


def test_list_users_pages_with_marker(iam: Any) -> None:
    for name in ("page-a", "page-b", "page-c"):
        iam.create_user(UserName=name, Path="/paged/")
    first = iam.list_users(PathPrefix="/paged/", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["page-a", "page-b"]
    assert first["IsTruncated"] is True
    second = iam.list_users(PathPrefix="/paged/", MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == ["page-c"]
    assert second["IsTruncated"] is False and "Marker" not in second
    paginator = iam.get_paginator("list_users")
    names = [u["UserName"] for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for u in page["Users"]]
    assert {"page-a", "page-b", "page-c"} <= set(names)
    assert len(names) == len(set(names))


def test_a_marker_we_did_not_issue_is_invalid_input(iam: Any) -> None:
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.list_users(Marker="not-a-marker")


def test_delete_user_conflicts_while_anything_remains(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="erin")
    iam.create_login_profile(UserName="erin", Password="a long enough passphrase")
    key = iam.create_access_key(UserName="erin")["AccessKey"]
    serial, _ = enable_new_device(iam, server, "erin", "erin-phone")
    iam.put_user_policy(UserName="erin", PolicyName="inline", PolicyDocument=POLICY)
    iam.attach_user_policy(UserName="erin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    steps = [
        ("must delete login profile first.", lambda: iam.delete_login_profile(UserName="erin")),
        (
            "must delete access keys first.",
            lambda: iam.delete_access_key(UserName="erin", AccessKeyId=key["AccessKeyId"]),
        ),
        ("must delete MFA device first.", lambda: iam.deactivate_mfa_device(UserName="erin", SerialNumber=serial)),
        ("must delete policies first.", lambda: iam.delete_user_policy(UserName="erin", PolicyName="inline")),
        (
            "must detach all policies first.",
            lambda: iam.detach_user_policy(UserName="erin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        ),
    ]
    for message, remove in steps:
        with pytest.raises(iam.exceptions.DeleteConflictException) as conflict:
            iam.delete_user(UserName="erin")
        assert error_of(conflict.value) == (409, "DeleteConflict", f"Cannot delete entity, {message}")
        remove()
    iam.delete_user(UserName="erin")
    # the deactivated device stays in the account, unassigned
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert {"SerialNumber": serial} in unassigned


def test_delete_unknown_user_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_user(UserName="nobody")


def test_user_tags(iam: Any) -> None:
    iam.create_user(UserName="frank", Tags=[{"Key": "team", "Value": "ops"}])
    iam.tag_user(UserName="frank", Tags=[{"Key": "Team", "Value": "dev"}, {"Key": "cost", "Value": "42"}])
    tags = iam.list_user_tags(UserName="frank")["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Team", "dev"), ("cost", "42")]
    iam.untag_user(UserName="frank", TagKeys=["COST", "absent"])
    assert iam.list_user_tags(UserName="frank")["Tags"] == [{"Key": "Team", "Value": "dev"}]
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.tag_user(UserName="frank", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.create_user(UserName="grace", Tags=[{"Key": "aws:reserved", "Value": "x"}])
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.tag_user(UserName="frank", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="grace")  # the refused CreateUser created nothing


def test_permissions_boundaries_are_refused_not_ignored(iam: Any) -> None:
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.create_user(UserName="henry", PermissionsBoundary="arn:aws:iam::aws:policy/AdministratorAccess")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="henry")
