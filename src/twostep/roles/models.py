"""Roles: plain values, no persistence (their sessions' principal: identity.principal.RoleSession).

IAM User Guide, "IAM identifiers": a role is ``arn:aws:iam::ACCOUNT:role{path}{name}`` with a unique id
``AROA...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twostep.identity.models import Tag
from twostep.identity.principal import RoleSession, role_arn

# IAM API Reference, CreateRole MaxSessionDuration: 3600..43200 seconds, one hour by default.
DEFAULT_MAX_SESSION_SECONDS = 3600
MIN_MAX_SESSION_SECONDS = 3600
MAX_MAX_SESSION_SECONDS = 43_200


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

    def session(self, session_name: str, *, source_user_id: str, session_policy: str | None = None) -> RoleSession:
        """The principal of one session of this role."""
        return RoleSession(
            role_id=self.id,
            account_id=self.account_id,
            role_name=self.name,
            role_path=self.path,
            session_name=session_name,
            source_user_id=source_user_id,
            session_policy=session_policy,
            tags=self.tags,
        )
