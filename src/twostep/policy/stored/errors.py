"""Typed failures of the policy store (the document language's own refusals: policy.language.errors)."""

from __future__ import annotations


class PolicyStoreError(Exception):
    """Base class: the message is safe to show to the caller."""


class NoSuchPolicy(PolicyStoreError):
    pass


class PolicyAlreadyExists(PolicyStoreError):
    pass


class PolicyLimitExceeded(PolicyStoreError):
    pass


class PolicyInUse(PolicyStoreError):
    """DeletePolicy while users, groups or roles still have it attached (AWS DeleteConflict)."""


class InvalidPolicyArn(PolicyStoreError):
    pass


class PolicyNotModifiable(PolicyStoreError):
    """An AWS managed policy cannot be deleted or changed."""


class InvalidPolicyName(PolicyStoreError):
    """A policy name outside IAM's pattern: 1 to 128 of letters, digits and + = , . @ _ - (AWS InvalidInput)."""

    def __init__(self) -> None:
        super().__init__("Policy names use 1 to 128 letters, digits and + = , . @ _ - characters.")
