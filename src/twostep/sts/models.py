"""Temporary credentials: plain values, no persistence."""

from __future__ import annotations

from dataclasses import dataclass

from twostep.identity.principal import Principal, RoleSession

# STS API reference, AssumeRole DurationSeconds: 900 up to the role's MaxSessionDuration, an hour by default; a
# session of a role assuming another role ("role chaining") lasts an hour at most. The session policy: 2,048
# characters at most.
DEFAULT_ROLE_SESSION_SECONDS = 3_600
MAX_CHAINED_SESSION_SECONDS = 3_600
SESSION_POLICY_CHARS = 2_048

# STS API reference, GetSessionToken DurationSeconds: 900..129600 seconds, 43200 by default; sessions of the
# root user ("AWS account owners") are restricted to 3600 seconds and silently shortened to it.
MIN_SESSION_SECONDS = 900
MAX_SESSION_SECONDS = 129_600
DEFAULT_SESSION_SECONDS = 43_200
MAX_ROOT_SESSION_SECONDS = 3_600

ISSUED_BY_GET_SESSION_TOKEN = "GetSessionToken"
ISSUED_BY_ASSUME_ROLE = "AssumeRole"


@dataclass(frozen=True)
class TemporaryCredential:
    """One set of STS credentials. The secret is kept sealed and the session token only as its SHA-256."""

    access_key_id: str  # ASIA...
    user_id: str
    account_id: str
    token_hash: str
    issued_by: str
    created_at: float
    expires_at: float
    mfa_authenticated_at: float | None = None  # when the code was checked, if one was
    mfa_serial: str | None = None
    # AssumeRole: the role the credentials act as, the RoleSessionName, the session policy (user_id is then the
    # IAM user whose request started the session).
    role_id: str | None = None
    session_name: str | None = None
    session_policy: str | None = None

    @property
    def mfa_present(self) -> bool:
        return self.mfa_authenticated_at is not None

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class IssuedCredentials:
    """What GetSessionToken hands out, once: the secret and the session token are never shown again."""

    credential: TemporaryCredential
    secret_access_key: str
    session_token: str

    @property
    def access_key_id(self) -> str:
        return self.credential.access_key_id

    @property
    def expiration(self) -> float:
        return self.credential.expires_at


@dataclass(frozen=True)
class AssumedRoleCredentials:
    """What AssumeRole hands out: the credentials and the session's principal."""

    issued: IssuedCredentials
    principal: RoleSession
    packed_policy_size: int | None = None  # percent of the session policy quota used, when one was given


@dataclass(frozen=True)
class AssumeRoleRequest:
    """What an AssumeRole caller asks for: the role, the session's name, and optionally its lifetime, an MFA code
    (SerialNumber with TokenCode), a session policy and the external id the trust policy may require."""

    role_arn: str
    session_name: str
    duration_seconds: int | None = None
    serial_number: str | None = None
    token_code: str | None = None
    session_policy: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class ResolvedSession:
    """Valid temporary credentials, the principal they act as (the user who got them from GetSessionToken, or a
    role session) and the secret a SigV4 signature must have been made with."""

    credential: TemporaryCredential
    principal: Principal
    secret_access_key: str
