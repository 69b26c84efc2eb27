"""The inline policies and managed-policy attachments of roles and groups: a user's rules with other quotas.

IAM User Guide, "IAM and AWS STS quotas": inline policies total 10,240 characters per role and 5,120 per group
(white space not counted); 10 managed policies attached per role and per group. The caller (RoleService,
GroupService) has found the owner and holds its unit of work; these functions do the rest inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from twostep.policy.document import parse_policy
from twostep.policy.managed import AWS_MANAGED_POLICIES, ManagedPolicy, OwnedPolicy
from twostep.policy.ports import OwnedPolicyRepository, PolicyUnitOfWork
from twostep.policy.service import PolicyService, counted_size
from twostep.policy.service_errors import NoSuchPolicy, PolicyLimitExceeded


@dataclass(frozen=True)
class OwnerQuotas:
    kind: str  # "role" or "group", as IAM's messages name it
    inline_chars: int
    attached: int
    attached_quota_name: str


ROLE_QUOTAS = OwnerQuotas("role", 10_240, 10, "PoliciesPerRole")
GROUP_QUOTAS = OwnerQuotas("group", 5_120, 10, "PoliciesPerGroup")


def check_document(document: str) -> None:
    """An identity-based policy, as for users (MalformedPolicyDocument otherwise)."""
    parse_policy(document, max_size=None)


def put_inline(
    repo: OwnedPolicyRepository, quotas: OwnerQuotas, owner_id: str, owner_name: str, name: str, document: str
) -> None:
    others = sum(counted_size(p.document) for p in repo.inline_for(owner_id) if p.name != name)
    if others + counted_size(document) > quotas.inline_chars:
        raise PolicyLimitExceeded(
            f"Maximum policy size of {quotas.inline_chars} bytes exceeded for {quotas.kind} {owner_name}"
        )
    repo.put_inline(OwnedPolicy(owner_id, name, document))


def attach(
    policies: PolicyService,
    uow: PolicyUnitOfWork,
    repo: OwnedPolicyRepository,
    quotas: OwnerQuotas,
    account_id: str,
    owner_id: str,
    arn: str,
) -> bool:
    """Attach a managed policy the account can see; False when it was attached already (IAM: no change)."""
    policy = policies.visible_policy(uow, account_id, arn)
    if policy.aws_managed:
        uow.policies.ensure_managed(AWS_MANAGED_POLICIES[arn])
    attached = {p.arn for p in repo.attached_to(owner_id)}
    if arn in attached:
        return False
    if len(attached) >= quotas.attached:
        raise PolicyLimitExceeded(f"Cannot exceed quota for {quotas.attached_quota_name}: {quotas.attached}")
    repo.attach(owner_id, arn)
    return True


def detach(
    policies: PolicyService,
    uow: PolicyUnitOfWork,
    repo: OwnedPolicyRepository,
    account_id: str,
    owner_id: str,
    arn: str,
) -> None:
    policies.visible_policy(uow, account_id, arn)
    if not repo.detach(owner_id, arn):
        raise NoSuchPolicy(f"Policy {arn} was not found.")


def attached(repo: OwnedPolicyRepository, owner_id: str, path_prefix: str = "/") -> list[ManagedPolicy]:
    return sorted((p for p in repo.attached_to(owner_id) if p.path.startswith(path_prefix)), key=lambda p: p.arn)
