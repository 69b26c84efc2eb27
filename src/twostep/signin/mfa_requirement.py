"""Required MFA (issue 14): the root user must always have an MFA device, and every IAM user too when the account
requires it (after its grace period). A user who must and has none reaches only the Assign MFA device wizard."""

from __future__ import annotations

from dataclasses import dataclass

from twostep.identity.models import Account, User


@dataclass(frozen=True)
class MfaRequirement:
    enrolment_only: bool = False  # required, no device, no grace left: the console shows nothing but the wizard
    grace_until: float | None = None  # required from this time on, no device yet: let in with a countdown


NOT_REQUIRED = MfaRequirement()


def requirement_for(user: User, account: Account | None, has_device: bool, now: float) -> MfaRequirement:
    if has_device:
        return NOT_REQUIRED
    if user.is_root:  # as AWS enforces MFA for root users: no grace
        return MfaRequirement(enrolment_only=True)
    if account is None or not account.require_mfa:
        return NOT_REQUIRED
    if account.mfa_grace_until is not None and now < account.mfa_grace_until:
        return MfaRequirement(grace_until=account.mfa_grace_until)
    return MfaRequirement(enrolment_only=True)
