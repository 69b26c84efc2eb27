"""IAM roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, tags, and the role's
permissions (inline role policies and attached managed policies).

IAM API Reference and "IAM and AWS STS quotas": role names are 1-64 characters, unique per account in any case;
MaxSessionDuration 3600..43200 seconds (1 hour by default); the trust policy holds at most 2,048 characters
(white space not counted) and may name existing users and roles of the account only; 1,000 roles per account.
A role with policies cannot be deleted (DeleteConflict). Every change is audited in its transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity import aws_ids
from twostep.identity.models import Tag, User
from twostep.identity.tags import checked_tags, with_tags, without_tags
from twostep.policy import owned
from twostep.policy.document import PolicyDocument, parse_policy
from twostep.policy.errors import PolicyTooLarge
from twostep.policy.managed import ManagedPolicy, OwnedPolicy
from twostep.policy.service import PolicyService
from twostep.roles.errors import (
    InvalidRoleInput,
    InvalidTrustPolicy,
    NoSuchRole,
    NoSuchRolePolicy,
    RoleAlreadyExists,
    RoleHasDependents,
    RoleLimitExceeded,
)
from twostep.roles.models import (
    DEFAULT_MAX_SESSION_SECONDS,
    MAX_MAX_SESSION_SECONDS,
    MIN_MAX_SESSION_SECONDS,
    Role,
)
from twostep.roles.ports import RoleUnitOfWork
from twostep.roles.trust import unknown_principals
from twostep.unit_of_work import UnitOfWorkFactory

ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
PATH = re.compile(r"/|/[\x21-\x7e]*/")
TRUST_POLICY_CHARS = 2048
ROLES_PER_ACCOUNT = 1000
DESCRIPTION_CHARS = 1000


def parse_trust_policy(document: str) -> PolicyDocument:
    """A trust policy, or MalformedPolicyDocument; RoleLimitExceeded above IAM's 2,048 characters."""
    try:
        return parse_policy(document, max_size=TRUST_POLICY_CHARS, trust=True)
    except PolicyTooLarge:
        raise RoleLimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_CHARS}") from None


class RoleService:
    def __init__(self, uow: UnitOfWorkFactory[RoleUnitOfWork], clock: Clock, policies: PolicyService) -> None:
        self._uow = uow
        self._clock = clock
        self._policies = policies

    # -- roles ------------------------------------------------------------------------------------------------

    def create_role(
        self,
        account_id: str,
        name: str,
        trust_policy: str,
        *,
        actor: User,
        path: str = "/",
        description: str | None = None,
        max_session_duration: int | None = None,
        tags: tuple[Tag, ...] = (),
    ) -> Role:
        if not ROLE_NAME.fullmatch(name):
            raise InvalidRoleInput("Role names use 1 to 64 letters, digits and + = , . @ _ - characters.")
        if not PATH.fullmatch(path) or len(path) > 512:
            raise InvalidRoleInput("A path begins and ends with '/' and holds printable ASCII characters.")
        if description is not None and len(description) > DESCRIPTION_CHARS:
            raise InvalidRoleInput(f"A role description holds at most {DESCRIPTION_CHARS} characters.")
        duration = DEFAULT_MAX_SESSION_SECONDS if max_session_duration is None else max_session_duration
        if not MIN_MAX_SESSION_SECONDS <= duration <= MAX_MAX_SESSION_SECONDS:
            raise InvalidRoleInput(
                f"The MaxSessionDuration of a role is between {MIN_MAX_SESSION_SECONDS} and "
                f"{MAX_MAX_SESSION_SECONDS} seconds."
            )
        parsed = parse_trust_policy(trust_policy)
        now = self._clock.now()
        role = Role(
            id=aws_ids.new_role_id(),
            account_id=account_id,
            name=name,
            path=path,
            trust_policy=trust_policy,
            created_at=now,
            description=description,
            max_session_duration=duration,
            tags=checked_tags(tags),
        )
        with self._uow() as uow:
            if uow.roles.by_name(account_id, name) is not None:
                raise RoleAlreadyExists(name)
            if uow.roles.count(account_id) >= ROLES_PER_ACCOUNT:
                raise RoleLimitExceeded(f"Cannot exceed quota for RolesPerAccount: {ROLES_PER_ACCOUNT}")
            self._check_principals(uow, account_id, parsed)
            uow.roles.add(role)
            uow.audit.append(self._event("CreateRole", account_id, now, actor, roleName=name))
            uow.commit()
        return role

    def role(self, account_id: str, name: str) -> Role:
        with self._uow(readonly=True) as uow:
            return self._role(uow, account_id, name)

    def roles(self, account_id: str, path_prefix: str = "/") -> list[Role]:
        with self._uow(readonly=True) as uow:
            return uow.roles.list(account_id, path_prefix)

    def delete_role(self, account_id: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, name)
            if uow.role_policies.inline_for(role.id):
                raise RoleHasDependents("Cannot delete entity, must delete policies first.")
            if uow.role_policies.attached_to(role.id):
                raise RoleHasDependents("Cannot delete entity, must detach all policies first.")
            uow.roles.delete(role.id)  # its sessions end with it
            uow.audit.append(self._event("DeleteRole", account_id, now, actor, roleName=role.name))
            uow.commit()

    def update_trust_policy(self, account_id: str, name: str, document: str, *, actor: User) -> None:
        parsed = parse_trust_policy(document)
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, name)
            self._check_principals(uow, account_id, parsed)
            uow.roles.set_trust_policy(role.id, document)
            uow.audit.append(self._event("UpdateAssumeRolePolicy", account_id, now, actor, roleName=role.name))
            uow.commit()

    def add_tags(self, account_id: str, name: str, tags: tuple[Tag, ...], *, actor: User) -> None:
        self._retag(account_id, name, actor, "TagRole", lambda existing: with_tags(existing, tags))

    def remove_tags(self, account_id: str, name: str, keys: tuple[str, ...], *, actor: User) -> None:
        self._retag(account_id, name, actor, "UntagRole", lambda existing: without_tags(existing, keys))

    def _retag(
        self, account_id: str, name: str, actor: User, event: str, change: Callable[[tuple[Tag, ...]], tuple[Tag, ...]]
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, name)
            uow.roles.set_tags(role.id, change(role.tags))
            uow.audit.append(self._event(event, account_id, now, actor, roleName=role.name))
            uow.commit()

    # -- the role's permissions -------------------------------------------------------------------------------

    def put_role_policy(self, account_id: str, role_name: str, name: str, document: str, *, actor: User) -> None:
        owned.check_document(document)
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, role_name)
            uow.roles.lock(role.id)
            owned.put_inline(uow.role_policies, owned.ROLE_QUOTAS, role.id, role.name, name, document)
            uow.audit.append(self._event("PutRolePolicy", account_id, now, actor, roleName=role.name, policyName=name))
            uow.commit()

    def role_policy(self, account_id: str, role_name: str, name: str) -> tuple[Role, OwnedPolicy]:
        with self._uow(readonly=True) as uow:
            role = self._role(uow, account_id, role_name)
            policy = uow.role_policies.get_inline(role.id, name)
        if policy is None:
            raise NoSuchRolePolicy(name)
        return role, policy

    def role_policy_names(self, account_id: str, role_name: str) -> list[str]:
        with self._uow(readonly=True) as uow:
            role = self._role(uow, account_id, role_name)
            return [p.name for p in uow.role_policies.inline_for(role.id)]

    def delete_role_policy(self, account_id: str, role_name: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, role_name)
            if not uow.role_policies.delete_inline(role.id, name):
                raise NoSuchRolePolicy(name)
            uow.audit.append(
                self._event("DeleteRolePolicy", account_id, now, actor, roleName=role.name, policyName=name)
            )
            uow.commit()

    def attach_role_policy(self, account_id: str, role_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, role_name)
            uow.roles.lock(role.id)  # serialises attachments to one role, so the quota holds
            if not owned.attach(self._policies, uow, uow.role_policies, owned.ROLE_QUOTAS, account_id, role.id, arn):
                return  # attaching twice changes nothing, as in IAM
            uow.audit.append(self._event("AttachRolePolicy", account_id, now, actor, roleName=role.name, policyArn=arn))
            uow.commit()

    def detach_role_policy(self, account_id: str, role_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            role = self._role(uow, account_id, role_name)
            owned.detach(self._policies, uow, uow.role_policies, account_id, role.id, arn)
            uow.audit.append(self._event("DetachRolePolicy", account_id, now, actor, roleName=role.name, policyArn=arn))
            uow.commit()

    def attached_policies(self, account_id: str, role_name: str, path_prefix: str = "/") -> list[ManagedPolicy]:
        with self._uow(readonly=True) as uow:
            role = self._role(uow, account_id, role_name)
            return owned.attached(uow.role_policies, role.id, path_prefix)

    # -- helpers ----------------------------------------------------------------------------------------------

    @staticmethod
    def _role(uow: RoleUnitOfWork, account_id: str, name: str) -> Role:
        role = uow.roles.by_name(account_id, name)
        if role is None:
            raise NoSuchRole(name)
        return role

    @staticmethod
    def _check_principals(uow: RoleUnitOfWork, account_id: str, policy: PolicyDocument) -> None:
        """IAM refuses a trust policy that names a user or role of the account that does not exist."""

        def exists(arn: str) -> bool:
            kind, _, rest = arn.split(":", 5)[5].partition("/")
            name = rest.rsplit("/", 1)[-1]
            entity: User | Role | None = None
            if kind == "user":
                entity = uow.users.by_name(account_id, name)
            elif kind == "role":
                entity = uow.roles.by_name(account_id, name)
            return entity is not None and entity.arn == arn

        missing = unknown_principals(policy, account_id, exists)
        if missing:
            raise InvalidTrustPolicy(f'Invalid principal in policy: "AWS":"{missing[0]}"')

    @staticmethod
    def _event(name: str, account_id: str, now: float, actor: User, **details: str) -> AuditEvent:
        return AuditEvent(name, account_id, now, actor=actor.arn, details=dict(details))
