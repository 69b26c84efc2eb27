"""Accounts, users and access keys: plain values, no persistence."""

from __future__ import annotations

from dataclasses import dataclass, field

ROOT_USER_NAME = "root"


@dataclass(frozen=True)
class Account:
    id: str  # 12 decimal digits, like an AWS account id
    created_at: float
    require_mfa: bool = False  # every IAM user must have an MFA device (the root user always must)
    mfa_grace_until: float | None = None  # until then, users without one are let in with a countdown
    # AWS's AllowUsersToChangePassword: every IAM user may change their own password without a policy allowing it
    allow_users_to_change_password: bool = False


@dataclass(frozen=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True)
class User:
    """The root user of an account (signs in by email) or an IAM user (signs in by account id and name)."""

    id: str
    account_id: str
    name: str
    path: str
    is_root: bool
    email: str | None
    password_hash: str | None
    created_at: float
    password_last_used: float | None = None
    password_changed_at: float | None = None
    password_reset_required: bool = False
    tags: tuple[Tag, ...] = field(default=())

    @property
    def arn(self) -> str:
        if self.is_root:
            return f"arn:aws:iam::{self.account_id}:root"
        return f"arn:aws:iam::{self.account_id}:user{self.path}{self.name}"

    @property
    def caller_id(self) -> str:
        """GetCallerIdentity's UserId and the aws:userid key: the user's id; AWS gives root the account id."""
        return self.account_id if self.is_root else self.id

    @property
    def entity_id(self) -> str:
        """The unique id of the IAM entity acting: the user's own (see identity.principal)."""
        return self.id

    @property
    def has_login_profile(self) -> bool:
        return self.password_hash is not None

    @property
    def display_name(self) -> str:
        return self.email or self.name if self.is_root else self.name


@dataclass(frozen=True)
class AccessKey:
    id: str  # AKIA... for long-term keys
    user_id: str
    account_id: str
    status: str  # "Active" | "Inactive"
    created_at: float
    last_used_at: float | None = None
    last_used_service: str | None = None
