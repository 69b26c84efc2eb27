"""Identity policies over IAM with boto3: inline user policies, managed policies, attachments."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import error_of, iam_client, module_server
from tests.server_harness import RunningServer

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-policies") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def test_the_admin_user_of_init_has_administrator_access(iam: Any, server: RunningServer) -> None:
    attached = iam.list_attached_user_policies(UserName=server.admin["user_name"])["AttachedPolicies"]
    assert attached == [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}]
    policy = iam.get_policy(PolicyArn=ADMIN_ARN)["Policy"]
    assert policy["AttachmentCount"] == 1 and policy["IsAttachable"] is True
    version = iam.get_policy_version(PolicyArn=ADMIN_ARN, VersionId="v1")["PolicyVersion"]
    assert version["Document"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]


def test_inline_user_policies(iam: Any) -> None:
    iam.create_user(UserName="xena")
    text = json.dumps(READ_ONLY, indent=2)
    iam.put_user_policy(UserName="xena", PolicyName="read", PolicyDocument=text)
    fetched = iam.get_user_policy(UserName="xena", PolicyName="read")
    assert fetched["PolicyDocument"] == READ_ONLY  # URL-encoded on the wire, decoded by botocore
    iam.put_user_policy(UserName="xena", PolicyName="also", PolicyDocument=text)
    assert iam.list_user_policies(UserName="xena")["PolicyNames"] == ["also", "read"]
    page = iam.list_user_policies(UserName="xena", MaxItems=1)
    assert page["PolicyNames"] == ["also"] and page["IsTruncated"]
    iam.delete_user_policy(UserName="xena", PolicyName="also")
    assert iam.list_user_policies(UserName="xena")["PolicyNames"] == ["read"]
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_user_policy(UserName="xena", PolicyName="also")
    assert error_of(missing.value) == (404, "NoSuchEntity", "The user policy with name also cannot be found.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.put_user_policy(UserName="nobody", PolicyName="read", PolicyDocument=text)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "Syntax errors in policy."),
        ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}', None),
        (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:*","Resource":"*"}]}',
            None,
        ),
    ],
)
def test_malformed_documents_are_refused(iam: Any, document: str, message: str | None) -> None:
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):  # made for an earlier parameter
        iam.create_user(UserName="yves")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as refused:
        iam.put_user_policy(UserName="yves", PolicyName="bad", PolicyDocument=document)
    status, code, text = error_of(refused.value)
    assert (status, code) == (400, "MalformedPolicyDocument")
    assert message is None or text == message
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName="bad", PolicyDocument=document)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user_policy(UserName="yves", PolicyName="bad")


def test_inline_policies_of_a_user_share_2048_characters(iam: Any) -> None:
    iam.create_user(UserName="zack")
    actions = [f"iam:GetUser{i:04d}" for i in range(60)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    iam.put_user_policy(UserName="zack", PolicyName="one", PolicyDocument=big)
    with pytest.raises(iam.exceptions.LimitExceededException) as limit:
        iam.put_user_policy(UserName="zack", PolicyName="two", PolicyDocument=big)
    assert error_of(limit.value) == (409, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user zack")
    iam.put_user_policy(UserName="zack", PolicyName="one", PolicyDocument=big)  # replacing is not adding


def test_managed_policies(iam: Any, server: RunningServer) -> None:
    created = iam.create_policy(
        PolicyName="ReadIam", Path="/team/", PolicyDocument=json.dumps(READ_ONLY), Description="read IAM"
    )["Policy"]
    arn = f"arn:aws:iam::{server.account_id}:policy/team/ReadIam"
    assert created["Arn"] == arn and created["PolicyId"].startswith("ANPA")
    assert created["DefaultVersionId"] == "v1" and created["AttachmentCount"] == 0
    fetched = iam.get_policy(PolicyArn=arn)["Policy"]
    assert fetched["Description"] == "read IAM"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == READ_ONLY
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_policy(PolicyName="readiam", PolicyDocument=json.dumps(READ_ONLY))
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["Arn"] for p in local] == [arn]
    assert ADMIN_ARN in [p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    assert [p["Arn"] for p in iam.list_policies(OnlyAttached=True, Scope="Local")["Policies"]] == []


def test_managed_policies_need_the_current_version(iam: Any) -> None:
    old = json.dumps({**READ_ONLY, "Version": "2008-10-17"})
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName="Old", PolicyDocument=old)


def test_attach_detach_and_delete(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="abby")
    arn = iam.create_policy(PolicyName="Attachable", PolicyDocument=json.dumps(READ_ONLY))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="abby", PolicyArn=arn)
    iam.attach_user_policy(UserName="abby", PolicyArn=arn)  # twice is once
    iam.attach_user_policy(UserName="abby", PolicyArn=ADMIN_ARN)
    attached = iam.list_attached_user_policies(UserName="abby")["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == sorted([arn, ADMIN_ARN])
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_policy(PolicyArn=arn)
    with server.services() as services:  # what the authorizer will read
        abby = services.identity.user(server.account_id, "abby")
        documents = services.policies.policies_for(abby).policies
    assert len(documents) == 2
    iam.detach_user_policy(UserName="abby", PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as not_attached:
        iam.detach_user_policy(UserName="abby", PolicyArn=arn)
    assert error_of(not_attached.value) == (404, "NoSuchEntity", f"Policy {arn} was not found.")
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as gone:
        iam.get_policy(PolicyArn=arn)
    assert error_of(gone.value) == (404, "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName="abby", PolicyArn=arn)


def test_attachment_errors(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="bert")
    with pytest.raises(iam.exceptions.InvalidInputException) as invalid:
        iam.attach_user_policy(UserName="bert", PolicyArn="arn:aws:s3:::not-a-policy")
    assert error_of(invalid.value) == (400, "InvalidInput", "ARN arn:aws:s3:::not-a-policy is not valid.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName="bert", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName="nobody", PolicyArn=ADMIN_ARN)
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.delete_policy(PolicyArn=ADMIN_ARN)
    for i in range(10):
        iam.create_policy(PolicyName=f"Many{i}", PolicyDocument=json.dumps(READ_ONLY))
        iam.attach_user_policy(UserName="bert", PolicyArn=f"arn:aws:iam::{server.account_id}:policy/Many{i}")
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.attach_user_policy(UserName="bert", PolicyArn=ADMIN_ARN)
