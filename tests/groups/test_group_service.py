"""Groups in the domain, on a real store (both engines): the groups themselves, their members, their policies
(inline and attached, with IAM's quotas), what members receive from them, and the audit of each change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from twostep.bootstrap import Services
from twostep.groups.errors import (
    GroupAlreadyExists,
    GroupHasDependents,
    GroupLimitExceeded,
    InvalidGroupInput,
    NoSuchGroup,
    NotAMember,
)
from twostep.groups.service import GROUPS_PER_USER
from twostep.identity.errors import NoSuchUser, UserHasDependents
from twostep.identity.models import User
from twostep.policy.language.access import RequestEnvironment, is_allowed
from twostep.policy.language.errors import MalformedPolicyDocument
from twostep.policy.stored.errors import InvalidPolicyArn, NoSuchPolicy, PolicyInUse, PolicyLimitExceeded
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, resource: str = "*") -> str:
    return document({"Effect": "Allow", "Action": action, "Resource": resource})


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def audited(services: Services, account_id: str) -> list[tuple[str, dict[str, Any]]]:
    with services.uow(readonly=True) as uow:
        return [(e.event.event_name, e.event.details) for e in uow.audit.events(account_id)]


# -- groups -----------------------------------------------------------------------------------------------------


def test_create_get_list_and_delete(services: Services, root: User) -> None:
    account, groups = root.account_id, services.groups
    devs = groups.create_group(account, "devs", actor=root, path="/eng/")
    assert devs.id.startswith("AGPA") and len(devs.id) == 21
    assert devs.arn == f"arn:aws:iam::{account}:group/eng/devs"
    assert groups.group(account, "DEVS") == devs  # names are case-insensitive
    with pytest.raises(GroupAlreadyExists, match="Group with name DEVS already exists"):
        groups.create_group(account, "DEVS", actor=root)
    groups.create_group(account, "auditors", actor=root)
    assert [g.name for g in groups.groups(account)] == ["auditors", "devs"]
    assert [g.name for g in groups.groups(account, "/eng/")] == ["devs"]
    groups.delete_group(account, "devs", actor=root)
    with pytest.raises(NoSuchGroup, match="The group with name devs cannot be found"):
        groups.group(account, "devs")
    with pytest.raises(NoSuchGroup):
        groups.delete_group(account, "devs", actor=root)
    assert [name for name, _ in audited(services, account)][-3:] == ["CreateGroup", "CreateGroup", "DeleteGroup"]


def test_names_and_paths_are_checked(services: Services, root: User) -> None:
    account, groups = root.account_id, services.groups
    for name in ("", "bad name", "x" * 129, "é"):
        with pytest.raises(InvalidGroupInput):
            groups.create_group(account, name, actor=root)
    for path in ("eng/", "/eng", "/" + "a/" * 256):
        with pytest.raises(InvalidGroupInput):
            groups.create_group(account, "ok", actor=root, path=path)
    assert groups.create_group(account, "x" * 128, actor=root).name == "x" * 128


def test_another_accounts_groups_do_not_exist(services: Services, root: User) -> None:
    services.groups.create_group(root.account_id, "devs", actor=root)
    _, other = services.identity.create_account("other@example.com", "correct horse battery")
    with pytest.raises(NoSuchGroup):
        services.groups.group(other.account_id, "devs")
    assert services.groups.groups(other.account_id) == []
    services.groups.create_group(other.account_id, "devs", actor=other)  # the same name is free there


# -- members ----------------------------------------------------------------------------------------------------


def test_membership(services: Services, root: User, alice: User) -> None:
    account, groups = root.account_id, services.groups
    groups.create_group(account, "devs", actor=root)
    services.identity.create_user(account, "Bob", actor=root)
    groups.add_user(account, "devs", "alice", actor=root)
    groups.add_user(account, "devs", "alice", actor=root)  # twice: no change
    groups.add_user(account, "devs", "bob", actor=root)
    group, members = groups.group_with_members(account, "devs")
    assert group.name == "devs" and [u.name for u in members] == ["alice", "Bob"]
    assert [g.name for g in groups.groups_for_user(account, "alice")] == ["devs"]
    with pytest.raises(NoSuchUser):
        groups.add_user(account, "devs", "carol", actor=root)
    with pytest.raises(NoSuchGroup):
        groups.add_user(account, "ops", "alice", actor=root)
    with pytest.raises(UserHasDependents, match="must remove user from all groups first"):
        services.identity.delete_user(account, "alice", actor=root)
    with pytest.raises(GroupHasDependents, match="must remove users from group first"):
        groups.delete_group(account, "devs", actor=root)
    groups.remove_user(account, "devs", "alice", actor=root)
    with pytest.raises(NotAMember, match="The user with name alice is not a member of the group devs"):
        groups.remove_user(account, "devs", "alice", actor=root)
    assert groups.groups_for_user(account, "alice") == []
    services.identity.delete_user(account, "alice", actor=root)
    added = [d for name, d in audited(services, account) if name == "AddUserToGroup"]
    assert added == [{"groupName": "devs", "userName": "alice"}, {"groupName": "devs", "userName": "Bob"}]


def test_a_user_belongs_to_ten_groups_at_most(services: Services, root: User, alice: User) -> None:
    account = root.account_id
    for i in range(GROUPS_PER_USER + 1):
        services.groups.create_group(account, f"g{i}", actor=root)
    for i in range(GROUPS_PER_USER):
        services.groups.add_user(account, f"g{i}", "alice", actor=root)
    with pytest.raises(GroupLimitExceeded, match="GroupsPerUser: 10"):
        services.groups.add_user(account, f"g{GROUPS_PER_USER}", "alice", actor=root)
    services.groups.add_user(account, "g0", "alice", actor=root)  # already a member: no change, no refusal


# -- the group's policies ---------------------------------------------------------------------------------------


def test_inline_policies(services: Services, root: User) -> None:
    account, policies = root.account_id, services.groups.policies
    services.groups.create_group(account, "devs", actor=root)
    policies.put(account, "devs", "list", allow("iam:ListUsers"), actor=root)
    policies.put(account, "DEVS", "list", allow("iam:ListRoles"), actor=root)  # replaced, not added
    policies.put(account, "devs", "get", allow("iam:GetUser"), actor=root)
    group, stored = policies.get(account, "devs", "list")
    assert group.name == "devs" and "iam:ListRoles" in stored.document
    assert policies.names(account, "devs") == ["get", "list"]
    with pytest.raises(NoSuchPolicy, match="The group policy with name none cannot be found"):
        policies.get(account, "devs", "none")
    with pytest.raises(MalformedPolicyDocument):
        policies.put(account, "devs", "bad", document({"Effect": "Allow", "Action": "iam:GetUser"}), actor=root)
    with pytest.raises(NoSuchGroup):
        policies.put(account, "ops", "list", allow("iam:ListUsers"), actor=root)
    policies.delete(account, "devs", "get", actor=root)
    with pytest.raises(NoSuchPolicy):
        policies.delete(account, "devs", "get", actor=root)
    changes = [(name, d) for name, d in audited(services, account) if name.endswith("GroupPolicy")]
    assert changes[-2:] == [
        ("PutGroupPolicy", {"groupName": "devs", "policyName": "get"}),
        ("DeleteGroupPolicy", {"groupName": "devs", "policyName": "get"}),
    ]


def test_inline_policies_total_5120_characters(services: Services, root: User) -> None:
    account, policies = root.account_id, services.groups.policies
    services.groups.create_group(account, "devs", actor=root)
    actions = [f"iam:Get{i:04d}" for i in range(190)]  # about 2,700 characters without white space
    big = document({"Effect": "Allow", "Action": actions, "Resource": "*"})
    policies.put(account, "devs", "one", big, actor=root)
    with pytest.raises(PolicyLimitExceeded, match="Maximum policy size of 5120 bytes exceeded for group devs"):
        policies.put(account, "devs", "two", big, actor=root)
    policies.put(account, "devs", "one", big, actor=root)  # replacing counts the new text only
    assert policies.names(account, "devs") == ["one"]


def test_attached_policies(services: Services, root: User) -> None:
    account, policies = root.account_id, services.groups.policies
    services.groups.create_group(account, "devs", actor=root)
    mine = services.policies.create_policy(account, "mine", allow("iam:Get*"), actor=root, path="/team/")
    policies.attach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)
    policies.attach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)  # twice: no change
    policies.attach(account, "devs", mine.arn, actor=root)
    assert [p.arn for p in policies.attached(account, "devs")] == [mine.arn, ADMINISTRATOR_ACCESS_ARN]
    assert [p.arn for p in policies.attached(account, "devs", "/team/")] == [mine.arn]
    assert services.policies.policy(account, ADMINISTRATOR_ACCESS_ARN).attachment_count == 1
    with pytest.raises(PolicyInUse):
        services.policies.delete_policy(account, mine.arn, actor=root)
    with pytest.raises(InvalidPolicyArn):
        policies.attach(account, "devs", "arn:aws:s3:::bucket", actor=root)
    policies.detach(account, "devs", mine.arn, actor=root)
    with pytest.raises(NoSuchPolicy, match=f"Policy {mine.arn} was not found"):
        policies.detach(account, "devs", mine.arn, actor=root)
    attached = [d for name, d in audited(services, account) if name == "AttachGroupPolicy"]
    assert attached == [
        {"groupName": "devs", "policyArn": ADMINISTRATOR_ACCESS_ARN},
        {"groupName": "devs", "policyArn": mine.arn},
    ]


def test_ten_managed_policies_per_group(services: Services, root: User) -> None:
    account = root.account_id
    services.groups.create_group(account, "devs", actor=root)
    for i in range(10):
        arn = services.policies.create_policy(account, f"P{i}", allow("iam:GetUser"), actor=root).arn
        services.groups.policies.attach(account, "devs", arn, actor=root)
    with pytest.raises(PolicyLimitExceeded, match="PoliciesPerGroup: 10"):
        services.groups.policies.attach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)


def test_a_group_with_policies_cannot_be_deleted(services: Services, root: User) -> None:
    account, groups = root.account_id, services.groups
    groups.create_group(account, "devs", actor=root)
    groups.policies.put(account, "devs", "list", allow("iam:ListUsers"), actor=root)
    groups.policies.attach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)
    with pytest.raises(GroupHasDependents, match="must delete policies first"):
        groups.delete_group(account, "devs", actor=root)
    groups.policies.delete(account, "devs", "list", actor=root)
    with pytest.raises(GroupHasDependents, match="must detach all policies first"):
        groups.delete_group(account, "devs", actor=root)
    groups.policies.detach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)
    groups.delete_group(account, "devs", actor=root)


# -- what members receive ---------------------------------------------------------------------------------------


def test_members_receive_the_groups_policies(services: Services, root: User, alice: User) -> None:
    account, groups = root.account_id, services.groups
    groups.create_group(account, "devs", actor=root)
    groups.policies.put(account, "devs", "list", allow("iam:ListUsers"), actor=root)
    groups.policies.attach(account, "devs", ADMINISTRATOR_ACCESS_ARN, actor=root)
    environment = RequestEnvironment(services.clock.now())
    assert services.policies.policies_for(alice).policies == ()
    assert not is_allowed(services.policies.policies_for(alice), alice, "iam:CreateUser", "*", environment)
    groups.add_user(account, "devs", "alice", actor=root)
    permissions = services.policies.policies_for(alice)
    texts = [p.text for p in permissions.policies]
    assert len(texts) == 2 and "iam:ListUsers" in texts[0]  # inline before attached
    assert is_allowed(permissions, alice, "iam:CreateUser", "*", environment)
    groups.remove_user(account, "devs", "alice", actor=root)
    assert services.policies.policies_for(alice).policies == ()
