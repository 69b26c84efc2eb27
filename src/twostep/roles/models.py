"""Roles and assumed-role sessions: plain values, no persistence.

IAM User Guide, "IAM identifiers": a role is ``arn:aws:iam::ACCOUNT:role{path}{name}`` with a unique id
``AROA...``; a session that assumed it is ``arn:aws:sts::ACCOUNT:assumed-role/{name}/{session}`` (no path) and its
user id is ``ROLE_ID:SESSION``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twostep.identity.models import Tag, User

# IAM API Reference, CreateRole MaxSessionDuration: 3600..43200 seconds, one hour by default.
DEFAULT_MAX_SESSION_SECONDS = 3600
MIN_MAX_SESSION_SECONDS = 3600
MAX_MAX_SESSION_SECONDS = 43_200


def role_arn(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"


@dataclass(frozen=True)
class Role:
    id: str  # AROA...
    account_id: str
    name: str
    path: str
    trust_policy: str  # the AssumeRolePolicyDocument, as the caller sent it
    created_at: float
    description: str | None = None
    max_session_duration: int = DEFAULT_MAX_SESSION_SECONDS
    tags: tuple[Tag, ...] = field(default=())

    @property
    def arn(self) -> str:
        return role_arn(self.account_id, self.path, self.name)

    def session(self, session_name: str, *, source_user_id: str, session_policy: str | None = None) -> AssumedRoleUser:
        """The principal of one session of this role."""
        return AssumedRoleUser(
            id=self.id,
            account_id=self.account_id,
            name=self.name,
            path=self.path,
            is_root=False,
            email=None,
            password_hash=None,
            created_at=self.created_at,
            tags=self.tags,
            session_name=session_name,
            source_user_id=source_user_id,
            session_policy=session_policy,
        )


@dataclass(frozen=True)
class AssumedRoleUser(User):
    """The caller behind credentials from AssumeRole: it acts as the role (``id`` is the role's id, ``name`` and
    ``path`` are the role's), never as an IAM user. ``source_user_id`` is the IAM user whose request started the
    chain of sessions; ``session_policy`` the AssumeRole ``Policy`` that narrows the role's permissions."""

    session_name: str = ""
    source_user_id: str = ""
    session_policy: str | None = None

    @property
    def arn(self) -> str:
        return assumed_role_arn(self.account_id, self.name, self.session_name)

    @property
    def role_arn(self) -> str:
        return role_arn(self.account_id, self.path, self.name)

    @property
    def assumed_role_id(self) -> str:
        """AWS's AssumedRoleId and aws:userid: ``AROA...:session``."""
        return f"{self.id}:{self.session_name}"

    @property
    def display_name(self) -> str:
        return f"{self.name}/{self.session_name}"
