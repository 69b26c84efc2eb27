"""What an operation handler receives: who is calling, how they proved it, and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twostep.bootstrap import Services
from twostep.identity.models import User
from twostep.identity.principal import Principal


@dataclass(frozen=True)
class Caller:
    """The principal behind a verified SigV4 signature."""

    principal: Principal
    access_key_id: str
    temporary: bool = False  # STS credentials (ASIA...) rather than a long-term key
    mfa_authenticated_at: float | None = None  # when the session's MFA code was checked, if it was

    @property
    def mfa_present(self) -> bool:
        return self.mfa_authenticated_at is not None

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    @property
    def user(self) -> User | None:
        """The root or IAM user calling; None for a role session, which is no user."""
        return self.principal if isinstance(self.principal, User) else None

    @property
    def assumed_role(self) -> bool:
        """Credentials from AssumeRole: the principal is a role session (identity.principal.RoleSession)."""
        return self.user is None


@dataclass(frozen=True)
class CallContext:
    services: Services
    caller: Caller
    service: str  # "iam" or "sts"
    action: str
    request_id: str
    source_ip: str | None
    secure_transport: bool
    now: float
    # Users this request has looked up by name (the authorization check names its resource with one, and the
    # handler then acts on the same user): one read per user and request.
    users_by_name: dict[str, User] = field(default_factory=dict, compare=False, repr=False)

    def user_named(self, name: str) -> User:
        """The user `name` in the caller's account (NoSuchUser otherwise), read once per request."""
        user = self.users_by_name.get(name)
        if user is None:
            user = self.users_by_name[name] = self.services.identity.user(self.caller.account_id, name)
        return user


Handler = Callable[[CallContext, dict[str, Any]], dict[str, Any] | None]
"""An operation: validated parameters in, the output shape's members out (None for no output)."""
