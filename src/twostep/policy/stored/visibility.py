"""Which managed policies an account sees: its own customer managed policies and the AWS managed ones, never
another account's (S26), each with the number of the account's entities it is attached to."""

from __future__ import annotations

import re
from dataclasses import replace

from twostep.policy.stored.errors import InvalidPolicyArn, NoSuchPolicy
from twostep.policy.stored.models import AWS_MANAGED_ACCOUNT, AWS_MANAGED_POLICIES, ManagedPolicy
from twostep.policy.stored.ports import PolicyUnitOfWork

_POLICY_ARN = re.compile(r"arn:aws:iam::(\d{12}|aws):policy(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,128})", re.ASCII)


def not_found(arn: str) -> NoSuchPolicy:
    return NoSuchPolicy(f"Policy {arn} does not exist or is not attachable.")


def visible_policy(uow: PolicyUnitOfWork, account_id: str, arn: str) -> ManagedPolicy:
    """The managed policy ``arn`` names, if the account may see and attach it; InvalidPolicyArn or NoSuchPolicy
    otherwise."""
    match = _POLICY_ARN.fullmatch(arn)
    if match is None:
        raise InvalidPolicyArn(f"ARN {arn} is not valid.")
    owner = match.group(1)
    if owner not in (account_id, AWS_MANAGED_ACCOUNT):
        raise not_found(arn)  # another account's policy does not exist for this one (S26)
    policy = uow.policies.get_managed(arn)
    if policy is None and owner == AWS_MANAGED_ACCOUNT:
        policy = AWS_MANAGED_POLICIES.get(arn)
    if policy is None:
        raise not_found(arn)
    return counted(uow, account_id, policy)


def counted(uow: PolicyUnitOfWork, account_id: str, policy: ManagedPolicy) -> ManagedPolicy:
    """The policy with its attachment count (an AWS managed policy's counts the account's attachments only)."""
    count = uow.policies.attachment_count(policy.arn, account_id if policy.aws_managed else None)
    return policy if count == policy.attachment_count else replace(policy, attachment_count=count)
