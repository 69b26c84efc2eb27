"""Typed failures of groups; the messages are IAM's texts, which the API adapter passes on unchanged."""

from __future__ import annotations


class GroupError(Exception):
    """Base class: the message is safe to show to the caller."""


class NoSuchGroup(GroupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The group with name {name} cannot be found.")


class NotAMember(GroupError):
    def __init__(self, user_name: str, group_name: str) -> None:
        super().__init__(f"The user with name {user_name} is not a member of the group {group_name}.")


class GroupAlreadyExists(GroupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Group with name {name} already exists.")


class GroupHasDependents(GroupError):
    """DeleteGroup while members or policies remain (AWS DeleteConflict)."""


class GroupLimitExceeded(GroupError):
    """Groups per account, groups per user (AWS LimitExceeded)."""


class InvalidGroupInput(GroupError):
    pass
