"""Typed failures of roles; the messages are IAM's texts, which the API adapter passes on unchanged."""

from __future__ import annotations


class RoleError(Exception):
    """Base class: the message is safe to show to the caller."""


class NoSuchRole(RoleError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The role with name {name} cannot be found.")


class RoleAlreadyExists(RoleError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Role with name {name} already exists.")


class RoleHasDependents(RoleError):
    """DeleteRole while policies remain (AWS DeleteConflict)."""


class RoleLimitExceeded(RoleError):
    """A quota: roles per account, the trust policy's size (AWS LimitExceeded)."""


class InvalidRoleInput(RoleError):
    """A name, path or value IAM refuses (AWS InvalidInput / ValidationError)."""


class InvalidTrustPolicy(RoleError):
    """A trust policy naming a principal that does not exist (AWS MalformedPolicyDocument)."""
