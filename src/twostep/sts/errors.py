"""Typed failures of STS; the messages are AWS's own texts, which the API adapter passes on unchanged."""

from __future__ import annotations


class StsError(Exception):
    """Base class: the message is safe to show to the caller."""


class MfaCodeInvalid(StsError):
    """A wrong, replayed, malformed or throttled TokenCode (the verifier's reasons all look alike, S13)."""

    def __init__(self) -> None:
        super().__init__("MultiFactorAuthentication failed with invalid MFA one time pass code.")


class MfaDeviceInvalid(StsError):
    """The SerialNumber names no MFA device of the caller (or only one of SerialNumber/TokenCode was sent)."""

    def __init__(self) -> None:
        # Two spaces after the first sentence, as AWS writes it.
        super().__init__(
            "MultiFactorAuthentication failed, unable to validate MFA code.  "
            "Please verify your MFA serial number is valid and associated with this user."
        )


class SessionCredentialsNotAllowed(StsError):
    """GetSessionToken must be called with long-term credentials."""

    def __init__(self, action: str = "GetSessionToken") -> None:
        super().__init__(f"Cannot call {action} with session credentials.")


class InvalidDuration(StsError):
    def __init__(self, seconds: int, low: int, high: int) -> None:
        super().__init__(f"DurationSeconds must be between {low} and {high}, not {seconds}.")


class InvalidSessionToken(StsError):
    """Unknown access key id, a session token that does not belong to it, or a deleted user."""

    def __init__(self) -> None:
        super().__init__("The security token included in the request is invalid.")


class AssumeRoleDenied(StsError):
    """AssumeRole refused by the trust policy or the caller's identity policies; the message is AWS's."""


class RoleDurationTooLong(StsError):
    """DurationSeconds above the role's MaxSessionDuration, or above an hour for a chained role session."""


class InvalidSessionPolicy(StsError):
    """The AssumeRole ``Policy`` is not a valid identity-based policy (AWS MalformedPolicyDocument)."""


class SessionPolicyTooLarge(StsError):
    """The AssumeRole ``Policy`` is above 2,048 characters (AWS PackedPolicyTooLarge)."""


class SessionExpired(StsError):
    def __init__(self) -> None:
        super().__init__("The security token included in the request is expired")
