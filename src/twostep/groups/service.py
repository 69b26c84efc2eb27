"""IAM groups: CreateGroup, GetGroup, ListGroups, DeleteGroup, membership, and the group's policies.

IAM API Reference and "IAM and AWS STS quotas": group names are 1-128 characters, unique per account in any
case; 300 groups per account, 10 groups per user; a group with members or policies cannot be deleted
(DeleteConflict). Members receive the group's policies (PolicyService.policies_for).
"""

from __future__ import annotations

import re

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.groups.errors import (
    GroupAlreadyExists,
    GroupHasDependents,
    GroupLimitExceeded,
    InvalidGroupInput,
    NoSuchGroup,
    NoSuchGroupPolicy,
    NotAMember,
)
from twostep.groups.models import Group
from twostep.groups.ports import GroupUnitOfWork
from twostep.identity import aws_ids
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.policy import owned
from twostep.policy.managed import ManagedPolicy, OwnedPolicy
from twostep.policy.service import PolicyService
from twostep.unit_of_work import UnitOfWorkFactory

GROUP_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
PATH = re.compile(r"/|/[\x21-\x7e]*/")
GROUPS_PER_ACCOUNT = 300
GROUPS_PER_USER = 10


class GroupService:
    def __init__(self, uow: UnitOfWorkFactory[GroupUnitOfWork], clock: Clock, policies: PolicyService) -> None:
        self._uow = uow
        self._clock = clock
        self._policies = policies

    # -- groups -----------------------------------------------------------------------------------------------

    def create_group(self, account_id: str, name: str, *, actor: User, path: str = "/") -> Group:
        if not GROUP_NAME.fullmatch(name):
            raise InvalidGroupInput("Group names use 1 to 128 letters, digits and + = , . @ _ - characters.")
        if not PATH.fullmatch(path) or len(path) > 512:
            raise InvalidGroupInput("A path begins and ends with '/' and holds printable ASCII characters.")
        now = self._clock.now()
        group = Group(aws_ids.new_group_id(), account_id, name, path, now)
        with self._uow() as uow:
            if uow.groups.by_name(account_id, name) is not None:
                raise GroupAlreadyExists(name)
            if uow.groups.count(account_id) >= GROUPS_PER_ACCOUNT:
                raise GroupLimitExceeded(f"Cannot exceed quota for GroupsPerAccount: {GROUPS_PER_ACCOUNT}")
            uow.groups.add(group)
            uow.audit.append(self._event("CreateGroup", account_id, now, actor, groupName=name))
            uow.commit()
        return group

    def group(self, account_id: str, name: str) -> Group:
        with self._uow(readonly=True) as uow:
            return self._group(uow, account_id, name)

    def group_with_members(self, account_id: str, name: str) -> tuple[Group, list[User]]:
        with self._uow(readonly=True) as uow:
            group = self._group(uow, account_id, name)
            return group, uow.groups.members(group.id)

    def groups(self, account_id: str, path_prefix: str = "/") -> list[Group]:
        with self._uow(readonly=True) as uow:
            return uow.groups.in_account(account_id, path_prefix)

    def groups_for_user(self, account_id: str, user_name: str) -> list[Group]:
        with self._uow(readonly=True) as uow:
            user = self._user(uow, account_id, user_name)
            return uow.groups.for_user(user.id)

    def delete_group(self, account_id: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, name)
            if uow.groups.count_members(group.id):
                raise GroupHasDependents("Cannot delete entity, must remove users from group first.")
            if uow.group_policies.inline_for(group.id):
                raise GroupHasDependents("Cannot delete entity, must delete policies first.")
            if uow.group_policies.attached_to(group.id):
                raise GroupHasDependents("Cannot delete entity, must detach all policies first.")
            uow.groups.delete(group.id)
            uow.audit.append(self._event("DeleteGroup", account_id, now, actor, groupName=group.name))
            uow.commit()

    # -- membership -------------------------------------------------------------------------------------------

    def add_user(self, account_id: str, group_name: str, user_name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            user = self._user(uow, account_id, user_name)
            uow.users.lock(user.id)  # serialises one user's memberships, so the quota holds
            if group.id in {g.id for g in uow.groups.for_user(user.id)}:
                return  # adding twice changes nothing, as in IAM
            if uow.groups.count_for_user(user.id) >= GROUPS_PER_USER:
                raise GroupLimitExceeded(f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")
            uow.groups.add_member(group.id, user.id)
            uow.audit.append(
                self._event("AddUserToGroup", account_id, now, actor, groupName=group.name, userName=user.name)
            )
            uow.commit()

    def remove_user(self, account_id: str, group_name: str, user_name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            user = self._user(uow, account_id, user_name)
            if not uow.groups.remove_member(group.id, user.id):
                raise NotAMember(user.name, group.name)
            uow.audit.append(
                self._event("RemoveUserFromGroup", account_id, now, actor, groupName=group.name, userName=user.name)
            )
            uow.commit()

    # -- the group's policies ---------------------------------------------------------------------------------

    def put_group_policy(self, account_id: str, group_name: str, name: str, document: str, *, actor: User) -> None:
        owned.check_document(document)
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            uow.groups.lock(group.id)
            owned.put_inline(uow.group_policies, owned.GROUP_QUOTAS, group.id, group.name, name, document)
            uow.audit.append(
                self._event("PutGroupPolicy", account_id, now, actor, groupName=group.name, policyName=name)
            )
            uow.commit()

    def group_policy(self, account_id: str, group_name: str, name: str) -> tuple[Group, OwnedPolicy]:
        with self._uow(readonly=True) as uow:
            group = self._group(uow, account_id, group_name)
            policy = uow.group_policies.get_inline(group.id, name)
        if policy is None:
            raise NoSuchGroupPolicy(name)
        return group, policy

    def group_policy_names(self, account_id: str, group_name: str) -> list[str]:
        with self._uow(readonly=True) as uow:
            group = self._group(uow, account_id, group_name)
            return [p.name for p in uow.group_policies.inline_for(group.id)]

    def delete_group_policy(self, account_id: str, group_name: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            if not uow.group_policies.delete_inline(group.id, name):
                raise NoSuchGroupPolicy(name)
            uow.audit.append(
                self._event("DeleteGroupPolicy", account_id, now, actor, groupName=group.name, policyName=name)
            )
            uow.commit()

    def attach_group_policy(self, account_id: str, group_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            uow.groups.lock(group.id)
            policies = uow.group_policies
            if not owned.attach(self._policies, uow, policies, owned.GROUP_QUOTAS, account_id, group.id, arn):
                return
            uow.audit.append(
                self._event("AttachGroupPolicy", account_id, now, actor, groupName=group.name, policyArn=arn)
            )
            uow.commit()

    def detach_group_policy(self, account_id: str, group_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            group = self._group(uow, account_id, group_name)
            owned.detach(self._policies, uow, uow.group_policies, account_id, group.id, arn)
            uow.audit.append(
                self._event("DetachGroupPolicy", account_id, now, actor, groupName=group.name, policyArn=arn)
            )
            uow.commit()

    def attached_policies(self, account_id: str, group_name: str, path_prefix: str = "/") -> list[ManagedPolicy]:
        with self._uow(readonly=True) as uow:
            group = self._group(uow, account_id, group_name)
            return owned.attached(uow.group_policies, group.id, path_prefix)

    # -- helpers ----------------------------------------------------------------------------------------------

    @staticmethod
    def _group(uow: GroupUnitOfWork, account_id: str, name: str) -> Group:
        group = uow.groups.by_name(account_id, name)
        if group is None:
            raise NoSuchGroup(name)
        return group

    @staticmethod
    def _user(uow: GroupUnitOfWork, account_id: str, name: str) -> User:
        user = uow.users.by_name(account_id, name)
        if user is None:
            raise NoSuchUser(name)
        return user

    @staticmethod
    def _event(name: str, account_id: str, now: float, actor: User, **details: str) -> AuditEvent:
        return AuditEvent(name, account_id, now, actor=actor.arn, details=dict(details))
