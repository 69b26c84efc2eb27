"""The policy store on both databases: managed policies, users' inline and attached policies, quotas,
policies_for()."""

from __future__ import annotations

import json
import threading

import pytest

from twostep.bootstrap import Services
from twostep.identity.errors import NoSuchUser, UserHasDependents
from twostep.identity.models import User
from twostep.policy.language.access import Permissions
from twostep.policy.language.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.stored.errors import (
    InvalidPolicyArn,
    NoSuchPolicy,
    PolicyAlreadyExists,
    PolicyInUse,
    PolicyLimitExceeded,
    PolicyNotModifiable,
)
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN
from twostep.policy.stored.service import USERS

ALLOW_GET = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}
)


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def test_inline_policies(services: Services, root: User, alice: User) -> None:
    policies = services.policies
    policies.user_policies.put(root.account_id, "alice", "get", ALLOW_GET, actor=root)
    policies.user_policies.put(root.account_id, "ALICE", "get", ALLOW_GET.replace("GetUser", "ListUsers"), actor=root)
    user, stored = policies.user_policies.get(root.account_id, "alice", "get")
    assert user.id == alice.id and "ListUsers" in stored.document  # replaced, not added
    assert policies.user_policies.names(root.account_id, "alice") == ["get"]
    with pytest.raises(MalformedPolicyDocument):
        policies.user_policies.put(root.account_id, "alice", "bad", "{}", actor=root)
    with pytest.raises(NoSuchUser):
        policies.user_policies.put(root.account_id, "bob", "get", ALLOW_GET, actor=root)
    policies.user_policies.delete(root.account_id, "alice", "get", actor=root)
    with pytest.raises(NoSuchPolicy):
        policies.user_policies.delete(root.account_id, "alice", "get", actor=root)


def test_inline_size_is_per_user(services: Services, root: User, alice: User) -> None:
    actions = [f"iam:Get{i:04d}" for i in range(70)]
    big = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": actions, "Resource": "*"}})
    services.policies.user_policies.put(root.account_id, "alice", "one", big, actor=root)
    with pytest.raises(PolicyLimitExceeded, match="Maximum policy size of 2048 bytes exceeded for user alice"):
        services.policies.user_policies.put(root.account_id, "alice", "two", big, actor=root)
    assert services.policies.user_policies.names(root.account_id, "alice") == ["one"]


def test_managed_policies_and_attachments(services: Services, root: User, alice: User) -> None:
    policies, account = services.policies, root.account_id
    created = policies.create_policy(account, "Get", ALLOW_GET, actor=root, path="/team/", description="get")
    assert created.arn == f"arn:aws:iam::{account}:policy/team/Get"
    with pytest.raises(PolicyAlreadyExists):
        policies.create_policy(account, "GET", ALLOW_GET, actor=root)
    with pytest.raises(MalformedPolicyDocument):  # managed policies need Version 2012-10-17
        policies.create_policy(account, "Old", ALLOW_GET.replace("2012-10-17", "2008-10-17"), actor=root)
    policies.user_policies.attach(account, "alice", created.arn, actor=root)
    policies.user_policies.attach(account, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)
    assert policies.policy(account, created.arn).attachment_count == 1
    assert policies.policy(account, ADMINISTRATOR_ACCESS_ARN).attachment_count == 1
    assert [p.arn for p in policies.user_policies.attached(account, "alice")] == [created.arn, ADMINISTRATOR_ACCESS_ARN]
    assert [p.arn for p in policies.user_policies.attached(account, "alice", "/team/")] == [created.arn]
    assert len(services.policies.policies_for(alice).policies) == 2
    with pytest.raises(PolicyInUse):
        policies.delete_policy(account, created.arn, actor=root)
    with pytest.raises(PolicyNotModifiable):
        policies.delete_policy(account, ADMINISTRATOR_ACCESS_ARN, actor=root)
    policies.user_policies.detach(account, "alice", created.arn, actor=root)
    with pytest.raises(NoSuchPolicy):
        policies.user_policies.detach(account, "alice", created.arn, actor=root)
    policies.delete_policy(account, created.arn, actor=root)
    assert [p.arn for p in policies.policies(account, scope="Local")] == []
    assert [p.arn for p in policies.policies(account, scope="AWS", only_attached=True)] == [ADMINISTRATOR_ACCESS_ARN]


def test_policy_arns(services: Services, root: User) -> None:
    with pytest.raises(InvalidPolicyArn):
        services.policies.policy(root.account_id, "arn:aws:s3:::bucket")
    with pytest.raises(NoSuchPolicy):
        services.policies.policy(root.account_id, "arn:aws:iam::aws:policy/NotShipped")
    _, other_root = services.identity.create_account("other@example.com", "correct horse battery")
    theirs = services.policies.create_policy(other_root.account_id, "Theirs", ALLOW_GET, actor=other_root)
    with pytest.raises(NoSuchPolicy):  # S26
        services.policies.policy(root.account_id, theirs.arn)


def test_attachment_quota(services: Services, root: User, alice: User) -> None:
    account = root.account_id
    for i in range(USERS.attached_limit):
        arn = services.policies.create_policy(account, f"P{i}", ALLOW_GET, actor=root).arn
        services.policies.user_policies.attach(account, "alice", arn, actor=root)
    with pytest.raises(PolicyLimitExceeded, match="PoliciesPerUser: 10"):
        services.policies.user_policies.attach(account, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)


def test_aws_managed_policy_is_created_once_under_concurrency(services: Services, root: User) -> None:
    names = [f"u{i}" for i in range(6)]
    for name in names:
        services.identity.create_user(root.account_id, name, actor=root)
    errors: list[BaseException] = []

    def attach(name: str) -> None:
        try:
            services.policies.user_policies.attach(root.account_id, name, ADMINISTRATOR_ACCESS_ARN, actor=root)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attach, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert services.policies.policy(root.account_id, ADMINISTRATOR_ACCESS_ARN).attachment_count == len(names)


def test_policies_for_root_is_empty(services: Services, root: User) -> None:
    assert services.policies.policies_for(root) == Permissions()


def test_size_quota_of_managed_policies_is_limit_exceeded(services: Services, root: User) -> None:
    actions = [f"iam:Get{i:05d}" for i in range(500)]
    huge = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": actions, "Resource": "*"}})
    with pytest.raises(PolicyTooLarge):
        services.policies.create_policy(root.account_id, "Huge", huge, actor=root)


def test_delete_user_needs_its_policies_gone_first(services: Services, root: User, alice: User) -> None:
    account = root.account_id
    services.policies.user_policies.put(account, "alice", "get", ALLOW_GET, actor=root)
    services.policies.user_policies.attach(account, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)
    with pytest.raises(UserHasDependents, match="must delete policies first"):
        services.identity.delete_user(account, "alice", actor=root)
    services.policies.user_policies.delete(account, "alice", "get", actor=root)
    with pytest.raises(UserHasDependents, match="must detach all policies first"):
        services.identity.delete_user(account, "alice", actor=root)
    services.policies.user_policies.detach(account, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)
    services.identity.delete_user(account, "alice", actor=root)
    with pytest.raises(NoSuchUser):
        services.identity.user(account, "alice")
