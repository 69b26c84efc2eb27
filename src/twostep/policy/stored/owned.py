"""The inline policies and attached managed policies of users, groups and roles: one component, one per kind.

IAM API Reference (Put/Get/List/Delete{User,Group,Role}Policy, Attach/Detach/ListAttached{User,Group,Role}Policies)
and "IAM and AWS STS quotas": inline policies total 2,048 characters per user, 5,120 per group and 10,240 per
role (white space not counted); 10 managed policies attached to each. Every document goes through parse_policy,
changes to one owner's policies are serialised on the owner's row (so the quotas hold), and each change is audited
in its transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity.principal import Principal
from twostep.policy.language.document import counted_size, parse_policy
from twostep.policy.stored.errors import InvalidPolicyName, NoSuchPolicy, PolicyLimitExceeded
from twostep.policy.stored.models import AWS_MANAGED_POLICIES, ManagedPolicy, OwnedPolicy
from twostep.policy.stored.ports import OwnerType, PolicyUnitOfWork
from twostep.policy.stored.visibility import visible_policy
from twostep.unit_of_work import UnitOfWorkFactory

POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)


class Owner(Protocol):
    """A user, a group or a role, as far as its policies are concerned."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


class OwnerRepository(Protocol):
    def by_name(self, account_id: str, name: str) -> Owner | None: ...
    def lock(self, owner_id: str, /) -> None: ...


@dataclass(frozen=True)
class OwnerKind:
    """One kind of owner: how the store knows it, IAM's quotas for it, where its entities are found, and the
    kind's own failure for a name that names none (NoSuchUser, NoSuchGroup, NoSuchRole)."""

    type: OwnerType
    inline_chars: int
    attached_limit: int
    owners: Callable[[Any], OwnerRepository]  # uow -> uow.users / uow.roles / uow.groups (their packages' ports)
    missing: Callable[[str], Exception]

    @property
    def title(self) -> str:
        """The kind as IAM's operation and quota names spell it: User, Group, Role."""
        return self.type.capitalize()


class OwnedPolicies:
    """Put, get, list and delete one kind of owner's inline policies; attach, detach and list its managed ones."""

    def __init__(self, uow: UnitOfWorkFactory[PolicyUnitOfWork], clock: Clock, kind: OwnerKind) -> None:
        self._uow = uow
        self._clock = clock
        self.kind = kind

    def put(self, account_id: str, owner_name: str, name: str, document: str, *, actor: Principal) -> None:
        if not POLICY_NAME.fullmatch(name):
            raise InvalidPolicyName()
        parse_policy(document, max_size=None)
        kind = self.kind
        now = self._clock.now()
        with self._uow() as uow:
            owner = self._locked(uow, account_id, owner_name)
            held = uow.owned_policies.inline_for(kind.type, owner.id)
            others = sum(counted_size(p.document) for p in held if p.name != name)
            if others + counted_size(document) > kind.inline_chars:
                raise PolicyLimitExceeded(
                    f"Maximum policy size of {kind.inline_chars} bytes exceeded for {kind.type} {owner.name}"
                )
            uow.owned_policies.put_inline(kind.type, OwnedPolicy(owner.id, name, document))
            uow.audit.append(self._event("Put", account_id, now, actor, owner, policyName=name))
            uow.commit()

    def get(self, account_id: str, owner_name: str, name: str) -> tuple[Owner, OwnedPolicy]:
        with self._uow(readonly=True) as uow:
            owner = self._owner(uow, account_id, owner_name)
            policy = uow.owned_policies.get_inline(self.kind.type, owner.id, name)
        if policy is None:
            raise self._no_inline(name)
        return owner, policy

    def names(self, account_id: str, owner_name: str) -> list[str]:
        with self._uow(readonly=True) as uow:
            owner = self._owner(uow, account_id, owner_name)
            return [p.name for p in uow.owned_policies.inline_for(self.kind.type, owner.id)]

    def delete(self, account_id: str, owner_name: str, name: str, *, actor: Principal) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            owner = self._owner(uow, account_id, owner_name)
            if not uow.owned_policies.delete_inline(self.kind.type, owner.id, name):
                raise self._no_inline(name)
            uow.audit.append(self._event("Delete", account_id, now, actor, owner, policyName=name))
            uow.commit()

    def attach(self, account_id: str, owner_name: str, arn: str, *, actor: Principal) -> None:
        """Attach a managed policy the account can see; attaching it twice changes nothing, as in IAM."""
        kind = self.kind
        now = self._clock.now()
        with self._uow() as uow:
            owner = self._locked(uow, account_id, owner_name)
            if visible_policy(uow, account_id, arn).aws_managed:
                uow.policies.ensure_managed(AWS_MANAGED_POLICIES[arn])
            attached = {p.arn for p in uow.owned_policies.attached_to(kind.type, owner.id)}
            if arn in attached:
                return
            if len(attached) >= kind.attached_limit:
                raise PolicyLimitExceeded(f"Cannot exceed quota for PoliciesPer{kind.title}: {kind.attached_limit}")
            uow.owned_policies.attach(kind.type, owner.id, arn)
            uow.audit.append(self._event("Attach", account_id, now, actor, owner, policyArn=arn))
            uow.commit()

    def detach(self, account_id: str, owner_name: str, arn: str, *, actor: Principal) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            owner = self._owner(uow, account_id, owner_name)
            visible_policy(uow, account_id, arn)
            if not uow.owned_policies.detach(self.kind.type, owner.id, arn):
                raise NoSuchPolicy(f"Policy {arn} was not found.")
            uow.audit.append(self._event("Detach", account_id, now, actor, owner, policyArn=arn))
            uow.commit()

    def attached(self, account_id: str, owner_name: str, path_prefix: str = "/") -> list[ManagedPolicy]:
        with self._uow(readonly=True) as uow:
            owner = self._owner(uow, account_id, owner_name)
            attached = uow.owned_policies.attached_to(self.kind.type, owner.id)
        return sorted((p for p in attached if p.path.startswith(path_prefix)), key=lambda p: p.arn)

    def blocking_deletion(self, uow: PolicyUnitOfWork, owner_id: str) -> str | None:
        """Why the owner cannot be deleted yet (IAM's DeleteConflict text), inside the caller's unit of work;
        None when it holds no policy."""
        if uow.owned_policies.count_inline(self.kind.type, owner_id):
            return "Cannot delete entity, must delete policies first."
        if uow.owned_policies.count_attached(self.kind.type, owner_id):
            return "Cannot delete entity, must detach all policies first."
        return None

    # -- helpers ----------------------------------------------------------------------------------------------

    def _owner(self, uow: PolicyUnitOfWork, account_id: str, name: str) -> Owner:
        owner = self.kind.owners(uow).by_name(account_id, name)
        if owner is None:
            raise self.kind.missing(name)
        return owner

    def _locked(self, uow: PolicyUnitOfWork, account_id: str, name: str) -> Owner:
        owner = self._owner(uow, account_id, name)
        self.kind.owners(uow).lock(owner.id)
        return owner

    def _no_inline(self, name: str) -> NoSuchPolicy:
        return NoSuchPolicy(f"The {self.kind.type} policy with name {name} cannot be found.")

    def _event(
        self, verb: str, account_id: str, now: float, actor: Principal, owner: Owner, **details: str
    ) -> AuditEvent:
        name = f"{verb}{self.kind.title}Policy"
        return AuditEvent(
            name, account_id, now, actor=actor.arn, details={f"{self.kind.type}Name": owner.name, **details}
        )
