"""Accounts are isolated (S26): a key of account B finds nothing of account A, as if it did not exist."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import consecutive_codes, create_device, error_of, iam_client, module_server
from tests.server_harness import RunningServer, twostep

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-isolation") as running:
        yield running


@pytest.fixture(scope="module")
def account_a(server: RunningServer) -> dict[str, Any]:
    """Account A (the server's first account) with a user, a key, a device and a policy."""
    iam = iam_client(server)
    iam.create_user(UserName="alice")
    key_id = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    serial, seed = create_device(iam, "alice-phone")
    free_serial, _ = create_device(iam, "spare")
    code1, code2 = consecutive_codes(seed, server)
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    policy_arn = iam.create_policy(PolicyName="Shared", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=POLICY)
    return {"key_id": key_id, "serial": serial, "free_serial": free_serial, "policy_arn": policy_arn}


@pytest.fixture(scope="module")
def other(server: RunningServer) -> Any:
    """A boto3 client for the admin of a second account, made by `twostep account create` on the same data."""
    created = twostep(
        "account",
        "create",
        "--data-dir",
        str(server.data_dir),
        "--email",
        "other@example.com",
        "--password-stdin",
        "--admin-user",
        "admin",  # the same name as account A's admin: names are per account
        stdin="another long passphrase\n",
        env=server.env,
    )
    assert created.returncode == 0, created.stderr
    output = json.loads(created.stdout)
    assert output["account_id"] != server.account_id
    return iam_client(server, output["admin"])


def no_such_entity(other: Any, call: Any, **params: Any) -> str:
    with pytest.raises(other.exceptions.NoSuchEntityException) as missing:
        call(**params)
    status, code, message = error_of(missing.value)
    assert (status, code) == (404, "NoSuchEntity")
    return message


def test_users_of_another_account_do_not_exist(other: Any, account_a: dict[str, Any]) -> None:
    assert no_such_entity(other, other.get_user, UserName="alice") == "The user with name alice cannot be found."
    no_such_entity(other, other.delete_user, UserName="alice")
    no_such_entity(other, other.list_access_keys, UserName="alice")
    no_such_entity(other, other.list_mfa_devices, UserName="alice")
    no_such_entity(other, other.create_login_profile, UserName="alice", Password="a long enough passphrase")
    no_such_entity(other, other.list_user_policies, UserName="alice")
    no_such_entity(other, other.get_user_policy, UserName="alice", PolicyName="inline")
    assert [u["UserName"] for u in other.list_users()["Users"]] == ["admin"]


def test_keys_of_another_account_do_not_exist(other: Any, account_a: dict[str, Any]) -> None:
    no_such_entity(other, other.delete_access_key, AccessKeyId=account_a["key_id"])
    no_such_entity(other, other.update_access_key, AccessKeyId=account_a["key_id"], Status="Inactive")


def test_devices_of_another_account_do_not_exist(other: Any, server: RunningServer, account_a: dict[str, Any]) -> None:
    serial, free_serial = account_a["serial"], account_a["free_serial"]
    other.create_user(UserName="mallory")
    no_such_entity(
        other,
        other.enable_mfa_device,
        UserName="mallory",
        SerialNumber=free_serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    no_such_entity(other, other.delete_virtual_mfa_device, SerialNumber=free_serial)
    no_such_entity(other, other.deactivate_mfa_device, UserName="mallory", SerialNumber=serial)
    no_such_entity(other, other.list_mfa_device_tags, SerialNumber=serial)
    no_such_entity(other, other.tag_mfa_device, SerialNumber=serial, Tags=[{"Key": "k", "Value": "v"}])
    no_such_entity(other, other.get_mfa_device, SerialNumber=serial)
    listed = {d["SerialNumber"] for d in other.list_virtual_mfa_devices()["VirtualMFADevices"]}
    assert serial not in listed and free_serial not in listed
    assert other.get_account_summary()["SummaryMap"]["MFADevices"] == 0
    # account A's devices are untouched
    mine = iam_client(server)
    assert {"SerialNumber": free_serial} in mine.list_virtual_mfa_devices(AssignmentStatus="Unassigned")[
        "VirtualMFADevices"
    ]


def test_policies_of_another_account_do_not_exist(other: Any, account_a: dict[str, Any]) -> None:
    arn = account_a["policy_arn"]
    assert (
        no_such_entity(other, other.get_policy, PolicyArn=arn) == f"Policy {arn} does not exist or is not attachable."
    )
    no_such_entity(other, other.attach_user_policy, UserName="admin", PolicyArn=arn)
    no_such_entity(other, other.delete_policy, PolicyArn=arn)
    assert other.list_policies(Scope="Local")["Policies"] == []
    # a policy of the same name is another policy
    assert other.create_policy(PolicyName="Shared", PolicyDocument=POLICY)["Policy"]["Arn"] != arn


def test_credential_reports_are_per_account(other: Any, server: RunningServer, account_a: dict[str, Any]) -> None:
    other.generate_credential_report()
    content = other.get_credential_report()["Content"].decode()
    assert "alice" not in content and server.account_id not in content
