"""Identity-based policies: inline user policies, managed policies and their attachments.

Stored and validated here (every document goes through parse_policy); enforced by whoever asks policies_for().
Quotas are IAM's defaults (IAM User Guide, "IAM and AWS STS quotas"): 2,048 characters of inline policy per
user, 6,144 per managed policy, 10 managed policies attached per user, 1,500 customer managed policies per
account; IAM does not count white space.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity import aws_ids
from twostep.identity.errors import NoSuchUser
from twostep.identity.models import User
from twostep.policy.document import PolicyDocument, parse_policy
from twostep.policy.managed import (
    AWS_MANAGED_ACCOUNT,
    AWS_MANAGED_POLICIES,
    InlinePolicy,
    ManagedPolicy,
    policy_arn,
)
from twostep.policy.ports import PolicyUnitOfWork
from twostep.policy.service_errors import (
    InvalidPolicyArn,
    NoSuchPolicy,
    PolicyAlreadyExists,
    PolicyInUse,
    PolicyLimitExceeded,
    PolicyNotModifiable,
)
from twostep.roles.models import AssumedRoleUser
from twostep.unit_of_work import UnitOfWorkFactory

INLINE_POLICY_CHARS_PER_USER = 2048
ATTACHED_POLICIES_PER_USER = 10
MANAGED_POLICIES_PER_ACCOUNT = 1500
_POLICY_ARN = re.compile(r"arn:aws:iam::(\d{12}|aws):policy(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,128})", re.ASCII)


def counted_size(document: str) -> int:
    """IAM's size of a policy: its characters other than white space."""
    return sum(1 for char in document if not char.isspace())


@functools.lru_cache(maxsize=1024)
def _parsed(document: str) -> PolicyDocument:
    # Stored documents were valid when stored; parsing them again is pure, so it is cached by text.
    return parse_policy(document, max_size=None)


def _not_found(arn: str) -> NoSuchPolicy:
    return NoSuchPolicy(f"Policy {arn} does not exist or is not attachable.")


class PolicyService:
    def __init__(self, uow: UnitOfWorkFactory[PolicyUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # -- inline user policies ---------------------------------------------------------------------------------

    def put_user_policy(self, account_id: str, user_name: str, name: str, document: str, *, actor: User) -> None:
        parse_policy(document, max_size=None)
        now = self._clock.now()
        with self._uow() as uow:
            user = self._user(uow, account_id, user_name)
            others = sum(counted_size(p.document) for p in uow.policies.inline_for(user.id) if p.name != name)
            if others + counted_size(document) > INLINE_POLICY_CHARS_PER_USER:
                raise PolicyLimitExceeded(
                    f"Maximum policy size of {INLINE_POLICY_CHARS_PER_USER} bytes exceeded for user {user.name}"
                )
            uow.policies.put_inline(InlinePolicy(user.id, name, document))
            uow.audit.append(self._event("PutUserPolicy", account_id, now, actor, userName=user.name, policyName=name))
            uow.commit()

    def user_policy(self, account_id: str, user_name: str, name: str) -> tuple[User, InlinePolicy]:
        with self._uow(readonly=True) as uow:
            user = self._user(uow, account_id, user_name)
            policy = uow.policies.get_inline(user.id, name)
        if policy is None:
            raise NoSuchPolicy(f"The user policy with name {name} cannot be found.")
        return user, policy

    def user_policy_names(self, account_id: str, user_name: str) -> list[str]:
        with self._uow(readonly=True) as uow:
            user = self._user(uow, account_id, user_name)
            return [p.name for p in uow.policies.inline_for(user.id)]

    def delete_user_policy(self, account_id: str, user_name: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = self._user(uow, account_id, user_name)
            if not uow.policies.delete_inline(user.id, name):
                raise NoSuchPolicy(f"The user policy with name {name} cannot be found.")
            uow.audit.append(
                self._event("DeleteUserPolicy", account_id, now, actor, userName=user.name, policyName=name)
            )
            uow.commit()

    # -- managed policies -------------------------------------------------------------------------------------

    def create_policy(
        self,
        account_id: str,
        name: str,
        document: str,
        *,
        actor: User,
        path: str = "/",
        description: str | None = None,
    ) -> ManagedPolicy:
        parse_policy(document, require_current_version=True)
        now = self._clock.now()
        policy = ManagedPolicy(
            arn=policy_arn(account_id, path, name),
            account_id=account_id,
            policy_id=aws_ids.new_policy_id(),
            name=name,
            path=path,
            description=description,
            document=document,
            created_at=now,
            updated_at=now,
        )
        with self._uow() as uow:
            if uow.policies.managed_by_name(account_id, name) is not None:
                raise PolicyAlreadyExists(f"A policy called {name} already exists. Duplicate names are not allowed.")
            if uow.policies.count_managed(account_id) >= MANAGED_POLICIES_PER_ACCOUNT:
                raise PolicyLimitExceeded(f"Cannot exceed quota for PoliciesPerAccount: {MANAGED_POLICIES_PER_ACCOUNT}")
            uow.policies.add_managed(policy)
            uow.audit.append(self._event("CreatePolicy", account_id, now, actor, policyArn=policy.arn))
            uow.commit()
        return policy

    def policy(self, account_id: str, arn: str) -> ManagedPolicy:
        """A policy the account can see: its own, or an AWS managed one (with the account's attachment count)."""
        with self._uow(readonly=True) as uow:
            return self._visible(uow, account_id, arn)

    def policies(
        self, account_id: str, *, scope: str = "All", only_attached: bool = False, path_prefix: str = "/"
    ) -> list[ManagedPolicy]:
        """ListPolicies: scope All, AWS or Local, in ARN order."""
        with self._uow(readonly=True) as uow:
            found: dict[str, ManagedPolicy] = {}
            if scope in ("All", "AWS"):
                stored = {p.arn: p for p in uow.policies.managed_in(None)}
                for arn, builtin in AWS_MANAGED_POLICIES.items():
                    found[arn] = stored.get(arn, builtin)
            if scope in ("All", "Local"):
                found.update({p.arn: p for p in uow.policies.managed_in(account_id)})
            listed = [self._counted(uow, account_id, p) for p in found.values() if p.path.startswith(path_prefix)]
        return sorted((p for p in listed if p.attachment_count or not only_attached), key=lambda p: p.arn)

    def delete_policy(self, account_id: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            policy = self._visible(uow, account_id, arn)
            if policy.aws_managed:
                raise PolicyNotModifiable(f"Cannot delete the AWS managed policy {arn}.")
            if policy.attachment_count:
                raise PolicyInUse("Cannot delete a policy attached to entities.")
            uow.policies.delete_managed(arn)
            uow.audit.append(self._event("DeletePolicy", account_id, now, actor, policyArn=arn))
            uow.commit()

    # -- attachments ------------------------------------------------------------------------------------------

    def attach_user_policy(self, account_id: str, user_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = self._user(uow, account_id, user_name)
            policy = self._visible(uow, account_id, arn)
            if policy.aws_managed:
                uow.policies.ensure_managed(AWS_MANAGED_POLICIES[arn])
            uow.users.lock(user.id)  # serialises attachments to one user, so the quota holds
            attached = {p.arn for p in uow.policies.attached_to(user.id)}
            if arn in attached:
                return  # attaching twice changes nothing, as in IAM
            if len(attached) >= ATTACHED_POLICIES_PER_USER:
                raise PolicyLimitExceeded(f"Cannot exceed quota for PoliciesPerUser: {ATTACHED_POLICIES_PER_USER}")
            uow.policies.attach(user.id, arn)
            uow.audit.append(self._event("AttachUserPolicy", account_id, now, actor, userName=user.name, policyArn=arn))
            uow.commit()

    def detach_user_policy(self, account_id: str, user_name: str, arn: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = self._user(uow, account_id, user_name)
            self._visible(uow, account_id, arn)
            if not uow.policies.detach(user.id, arn):
                raise NoSuchPolicy(f"Policy {arn} was not found.")
            uow.audit.append(self._event("DetachUserPolicy", account_id, now, actor, userName=user.name, policyArn=arn))
            uow.commit()

    def attached_policies(self, account_id: str, user_name: str, path_prefix: str = "/") -> list[ManagedPolicy]:
        with self._uow(readonly=True) as uow:
            user = self._user(uow, account_id, user_name)
            attached = uow.policies.attached_to(user.id)
        return sorted((p for p in attached if p.path.startswith(path_prefix)), key=lambda p: p.arn)

    def policies_for(self, user: User) -> list[PolicyDocument]:
        """Every identity-based policy of the user, inline and attached, its groups' included, parsed. The root
        user has none: root's permissions do not come from policies. A session of a role has the role's."""
        if user.is_root:
            return []
        with self._uow(readonly=True) as uow:
            if isinstance(user, AssumedRoleUser):
                texts = [p.document for p in uow.role_policies.inline_for(user.id)]
                texts += [p.document for p in uow.role_policies.attached_to(user.id)]
            else:
                texts = [p.document for p in uow.policies.inline_for(user.id)]
                texts += [p.document for p in uow.policies.attached_to(user.id)]
                texts += uow.groups.policy_documents_for_user(user.id)
        return [_parsed(text) for text in texts]

    def visible_policy(self, uow: PolicyUnitOfWork, account_id: str, arn: str) -> ManagedPolicy:
        """A managed policy the account may attach (its own or an AWS managed one), inside the caller's unit of
        work; InvalidPolicyArn or NoSuchPolicy otherwise. For roles and groups (policy/owned.py)."""
        return self._visible(uow, account_id, arn)

    # -- helpers ----------------------------------------------------------------------------------------------

    @staticmethod
    def _user(uow: PolicyUnitOfWork, account_id: str, name: str) -> User:
        user = uow.users.by_name(account_id, name)
        if user is None:
            raise NoSuchUser(name)
        return user

    def _visible(self, uow: PolicyUnitOfWork, account_id: str, arn: str) -> ManagedPolicy:
        match = _POLICY_ARN.fullmatch(arn)
        if match is None:
            raise InvalidPolicyArn(f"ARN {arn} is not valid.")
        owner = match.group(1)
        if owner not in (account_id, AWS_MANAGED_ACCOUNT):
            raise _not_found(arn)  # another account's policy does not exist for this one (S26)
        policy = uow.policies.get_managed(arn)
        if policy is None and owner == AWS_MANAGED_ACCOUNT:
            policy = AWS_MANAGED_POLICIES.get(arn)
        if policy is None:
            raise _not_found(arn)
        return self._counted(uow, account_id, policy)

    @staticmethod
    def _counted(uow: PolicyUnitOfWork, account_id: str, policy: ManagedPolicy) -> ManagedPolicy:
        count = uow.policies.attachment_count(policy.arn, account_id if policy.aws_managed else None)
        return policy if count == policy.attachment_count else replace(policy, attachment_count=count)

    @staticmethod
    def _event(name: str, account_id: str, now: float, actor: User, **details: str) -> AuditEvent:
        return AuditEvent(name, account_id, now, actor=actor.arn, details=dict(details))
