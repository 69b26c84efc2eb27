"""Identity-based policies as stored: customer managed policies, the users' inline and attached policies, and
the permissions a principal's requests are decided by (permissions.py).

Stored and validated here (every document goes through parse_policy); enforced by whoever asks policies_for().
Quotas are IAM's defaults (IAM User Guide, "IAM and AWS STS quotas"): 6,144 characters per managed policy,
1,500 customer managed policies per account (a user's, a group's and a role's own policies: owned.py).
"""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity import aws_ids
from twostep.identity.errors import NoSuchUser
from twostep.identity.principal import Principal
from twostep.policy.language.access import Permissions
from twostep.policy.language.document import parse_policy
from twostep.policy.stored.errors import PolicyAlreadyExists, PolicyInUse, PolicyLimitExceeded, PolicyNotModifiable
from twostep.policy.stored.models import AWS_MANAGED_POLICIES, ManagedPolicy, policy_arn
from twostep.policy.stored.owned import OwnedPolicies, OwnerKind
from twostep.policy.stored.permissions import permissions_of
from twostep.policy.stored.ports import PolicyUnitOfWork
from twostep.policy.stored.visibility import counted, visible_policy
from twostep.unit_of_work import UnitOfWorkFactory

MANAGED_POLICIES_PER_ACCOUNT = 1500
USERS = OwnerKind("user", inline_chars=2048, attached_limit=10, owners=lambda uow: uow.users, missing=NoSuchUser)


class PolicyService:
    def __init__(self, uow: UnitOfWorkFactory[PolicyUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self.user_policies = self.owned_by(USERS)

    def owned_by(self, kind: OwnerKind) -> OwnedPolicies:
        """The inline and attached policies of one kind of owner (users here; groups and roles ask for theirs)."""
        return OwnedPolicies(self._uow, self._clock, kind)

    # -- managed policies -------------------------------------------------------------------------------------

    def create_policy(
        self,
        account_id: str,
        name: str,
        document: str,
        *,
        actor: Principal,
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
            return visible_policy(uow, account_id, arn)

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
            listed = [counted(uow, account_id, p) for p in found.values() if p.path.startswith(path_prefix)]
        return sorted((p for p in listed if p.attachment_count or not only_attached), key=lambda p: p.arn)

    def delete_policy(self, account_id: str, arn: str, *, actor: Principal) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            policy = visible_policy(uow, account_id, arn)
            if policy.aws_managed:
                raise PolicyNotModifiable(f"Cannot delete the AWS managed policy {arn}.")
            if policy.attachment_count:
                raise PolicyInUse("Cannot delete a policy attached to entities.")
            uow.policies.delete_managed(arn)
            uow.audit.append(self._event("DeletePolicy", account_id, now, actor, policyArn=arn))
            uow.commit()

    # -- what requests are decided by -------------------------------------------------------------------------

    def policies_for(self, principal: Principal) -> Permissions:
        """Every identity-based policy of the principal, parsed (permissions.py); none for the root user."""
        if principal.is_root:
            return Permissions()
        with self._uow(readonly=True) as uow:
            return permissions_of(uow, principal)

    @staticmethod
    def _event(name: str, account_id: str, now: float, actor: Principal, **details: str) -> AuditEvent:
        return AuditEvent(name, account_id, now, actor=actor.arn, details=dict(details))
