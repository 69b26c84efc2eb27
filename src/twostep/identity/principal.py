"""Who makes a request: the root user or an IAM user (``User``), or a session of a role (``RoleSession``).

IAM User Guide, "IAM identifiers": a role is ``arn:aws:iam::ACCOUNT:role{path}{name}`` with a unique id
``AROA...``; a session that assumed it is ``arn:aws:sts::ACCOUNT:assumed-role/{name}/{session}`` (no path) and
its user id is ``ROLE_ID:SESSION``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from twostep.identity.models import Tag, User


def role_arn(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"


@dataclass(frozen=True)
class RoleSession:
    """The caller behind credentials from AssumeRole. It acts as the role: its permissions are the role's,
    narrowed by ``session_policy`` (AssumeRole's ``Policy``) when one was given, and its tags are the role's.
    ``source_user_id`` is the IAM user whose request began the chain of sessions."""

    is_root: ClassVar[bool] = False  # roles may not be assumed by the root user

    role_id: str  # AROA...
    account_id: str
    role_name: str
    role_path: str
    session_name: str
    source_user_id: str
    session_policy: str | None = None
    tags: tuple[Tag, ...] = field(default=())

    @property
    def arn(self) -> str:
        return assumed_role_arn(self.account_id, self.role_name, self.session_name)

    @property
    def role_arn(self) -> str:
        return role_arn(self.account_id, self.role_path, self.role_name)

    @property
    def assumed_role_id(self) -> str:
        """AWS's AssumedRoleId: ``AROA...:session``."""
        return f"{self.role_id}:{self.session_name}"

    @property
    def caller_id(self) -> str:
        """GetCallerIdentity's UserId and the aws:userid key: the AssumedRoleId."""
        return self.assumed_role_id

    @property
    def entity_id(self) -> str:
        """The unique id of the IAM entity acting: the role's."""
        return self.role_id

    @property
    def display_name(self) -> str:
        return f"{self.role_name}/{self.session_name}"


Principal = User | RoleSession
"""The caller of a request: a user (root or IAM) signing with its own credentials or a console session, or a
session of a role. What they share: ``arn``, ``account_id``, ``is_root``, ``tags``, ``caller_id``,
``entity_id``, ``display_name``."""
