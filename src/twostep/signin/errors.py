"""Typed failures of console sign-in."""

from __future__ import annotations

from twostep.mfa.errors import RejectionReason


class SignInFailed(Exception):
    """One message for unknown user, wrong password and throttled attempts (S13)."""

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("Your authentication information is incorrect. Please try again.")
        self.retry_after = retry_after


class MfaFailed(Exception):
    """The MFA step failed; ended=True when the half-finished sign-in was destroyed (lockout, S12). The reason is
    the verifier's: only someone who has passed the password step gets here, so the console may word a replayed
    code or a throttled attempt as such (docs/security.md, S13)."""

    def __init__(self, ended: bool, retry_after: float | None = None, reason: RejectionReason | None = None) -> None:
        super().__init__("Your authentication information is incorrect. Please try again.")
        self.ended = ended
        self.retry_after = retry_after
        self.reason = reason


class SessionInvalid(Exception):
    """No session, an expired one, or one that has not passed the MFA step."""


class RecoveryLinkRefused(Exception):
    """The mailed sign-in link is unknown, expired, spent, or was asked for by another browser's sign-in."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"recovery link refused: {reason}")
        self.reason = reason  # unknown | expired | used | other-session


class RecoveryNotOffered(Exception):
    """This way back in is not open to the user (an IAM user asking for a mail, too many mails asked for)."""
