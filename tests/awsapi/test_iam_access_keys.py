"""Access keys over IAM with boto3: two per user, UserName defaulting to the caller, Inactive keys refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from tests.awsapi.iam_support import ADMIN_ARN, client_of_user, error_of, iam_client, key_of, module_server
from tests.server_harness import RunningServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-keys") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def test_a_new_key_works_and_its_secret_is_shown_once(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="ivan")
    iam.attach_user_policy(UserName="ivan", PolicyArn=ADMIN_ARN)
    created = iam.create_access_key(UserName="ivan")
    access_key = created["AccessKey"]
    assert access_key["UserName"] == "ivan"
    assert access_key["AccessKeyId"].startswith("AKIA")
    assert len(access_key["SecretAccessKey"]) == 40
    assert access_key["Status"] == "Active"
    as_ivan = iam_client(server, key_of(created))
    assert as_ivan.get_user()["User"]["UserName"] == "ivan"
    listed = iam.list_access_keys(UserName="ivan")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [access_key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]


def test_user_name_defaults_to_the_caller(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="judy")
    judy = client_of_user(iam, server, "judy")
    second = judy.create_access_key()["AccessKey"]  # no UserName: judy's own
    assert second["UserName"] == "judy"
    own = {k["AccessKeyId"] for k in judy.list_access_keys()["AccessKeyMetadata"]}
    assert second["AccessKeyId"] in own and len(own) == 2
    judy.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
    judy.delete_access_key(AccessKeyId=second["AccessKeyId"])
    assert len(judy.list_access_keys()["AccessKeyMetadata"]) == 1


def test_two_keys_per_user(iam: Any) -> None:
    iam.create_user(UserName="karl")
    iam.create_access_key(UserName="karl")
    iam.create_access_key(UserName="karl")
    with pytest.raises(iam.exceptions.LimitExceededException) as limit:
        iam.create_access_key(UserName="karl")
    assert error_of(limit.value) == (409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")


def test_an_inactive_key_is_refused_until_reactivated(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="lena")
    iam.attach_user_policy(UserName="lena", PolicyArn=ADMIN_ARN)
    created = iam.create_access_key(UserName="lena")
    key_id = created["AccessKey"]["AccessKeyId"]
    as_lena = iam_client(server, key_of(created))
    iam.update_access_key(UserName="lena", AccessKeyId=key_id, Status="Inactive")
    assert iam.list_access_keys(UserName="lena")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        as_lena.get_user()
    assert error_of(refused.value)[:2] == (403, "InvalidClientTokenId")
    iam.update_access_key(UserName="lena", AccessKeyId=key_id, Status="Active")
    assert as_lena.get_user()["User"]["UserName"] == "lena"
    iam.delete_access_key(UserName="lena", AccessKeyId=key_id)
    with pytest.raises(botocore.exceptions.ClientError):
        as_lena.get_user()


def test_someone_elses_key_does_not_exist(iam: Any) -> None:
    iam.create_user(UserName="mona")
    iam.create_user(UserName="nick")
    key_id = iam.create_access_key(UserName="mona")["AccessKey"]["AccessKeyId"]
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.delete_access_key(UserName="nick", AccessKeyId=key_id)
    assert error_of(missing.value) == (404, "NoSuchEntity", f"The Access Key with id {key_id} cannot be found.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_access_key(UserName="nick", AccessKeyId=key_id, Status="Inactive")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_access_keys(UserName="nobody")


def test_expired_is_not_a_status_one_can_set(iam: Any) -> None:
    iam.create_user(UserName="olga")
    key_id = iam.create_access_key(UserName="olga")["AccessKey"]["AccessKeyId"]
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.update_access_key(UserName="olga", AccessKeyId=key_id, Status="Expired")


def test_access_keys_page(iam: Any) -> None:
    iam.create_user(UserName="paul")
    ids = [iam.create_access_key(UserName="paul")["AccessKey"]["AccessKeyId"] for _ in range(2)]
    first = iam.list_access_keys(UserName="paul", MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.list_access_keys(UserName="paul", MaxItems=1, Marker=first["Marker"])
    assert second["IsTruncated"] is False
    assert [first["AccessKeyMetadata"][0]["AccessKeyId"], second["AccessKeyMetadata"][0]["AccessKeyId"]] == ids
