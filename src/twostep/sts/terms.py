"""The terms STS issues credentials on, as pure rules: session tokens and their hashes, lifetimes, session
policies (STS API reference: GetSessionToken, AssumeRole)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from twostep.identity.models import User
from twostep.policy.language.document import counted_size, parse_policy
from twostep.policy.language.errors import MalformedPolicyDocument
from twostep.roles.models import Role
from twostep.sts.errors import InvalidDuration, InvalidSessionPolicy, RoleDurationTooLong, SessionPolicyTooLarge
from twostep.sts.models import (
    DEFAULT_ROLE_SESSION_SECONDS,
    DEFAULT_SESSION_SECONDS,
    MAX_CHAINED_SESSION_SECONDS,
    MAX_ROOT_SESSION_SECONDS,
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    SESSION_POLICY_CHARS,
)

SESSION_TOKEN_BYTES = 96


def new_session_token() -> str:
    return base64.b64encode(secrets.token_bytes(SESSION_TOKEN_BYTES)).decode("ascii")


def session_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def temporary_secret_associated_data(access_key_id: str) -> bytes:
    return f"twostep/temporary-credential/{access_key_id}".encode()


def session_duration(user: User, requested: int | None) -> int:
    """The lifetime GetSessionToken grants: the request (or 12 h) within 900..129600 s, at most 1 h for root."""
    seconds = DEFAULT_SESSION_SECONDS if requested is None else requested
    if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise InvalidDuration(seconds, MIN_SESSION_SECONDS, MAX_SESSION_SECONDS)
    return min(seconds, MAX_ROOT_SESSION_SECONDS) if user.is_root else seconds


def role_session_duration(role: Role, requested: int | None, *, chained: bool) -> int:
    """The lifetime AssumeRole grants: the request (or 1 h), at least 900 s, at most the role's maximum (1 h when
    a role's session assumes a role: role chaining)."""
    limit = MAX_CHAINED_SESSION_SECONDS if chained else role.max_session_duration
    duration = DEFAULT_ROLE_SESSION_SECONDS if requested is None else requested
    if duration < MIN_SESSION_SECONDS:
        raise InvalidDuration(duration, MIN_SESSION_SECONDS, limit)
    if duration > limit:
        if chained:
            raise RoleDurationTooLong(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
            )
        raise RoleDurationTooLong("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    return duration


def check_session_policy(document: str | None) -> int | None:
    """The session policy's share of its quota in percent (AWS's PackedPolicySize), if there is one."""
    if document is None:
        return None
    size = counted_size(document)
    if size > SESSION_POLICY_CHARS:
        raise SessionPolicyTooLarge(
            f"Packed policy consumes {size * 100 // SESSION_POLICY_CHARS}% of allotted space, please use "
            "smaller policy."
        )
    try:
        parse_policy(document, max_size=None)
    except MalformedPolicyDocument as exc:
        raise InvalidSessionPolicy(exc.message) from None
    return max(1, size * 100 // SESSION_POLICY_CHARS)
