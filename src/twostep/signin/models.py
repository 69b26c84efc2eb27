"""Console sessions, kept on the server (S14): the browser holds only a random token."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from twostep.identity.models import User
from twostep.signin.mfa_requirement import NOT_REQUIRED, MfaRequirement


class Stage(enum.Enum):
    NEEDS_MFA = "needs_mfa"  # password accepted; reaches only the MFA page (S14)
    SIGNED_IN = "signed_in"
    # Signed in using alternative factors (a recovery code, and for root a mailed link too): reaches only Security
    # credentials until a new device is assigned or the lost one deactivated, then it becomes SIGNED_IN.
    RECOVERY = "recovery"


# Session data of a RECOVERY session: the devices its user signed in without, retired when a new one is assigned.
LOST_DEVICES_KEY = "lost_devices"


@dataclass(frozen=True)
class Session:
    id_hash: str  # SHA-256 of the token: a database dump yields no usable session
    user_id: str
    stage: Stage
    created_at: float
    last_seen_at: float
    authenticated_at: float  # last password proof
    csrf_token: str
    mfa_at: float | None = None  # last MFA proof
    mfa_device_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # e.g. the device an unfinished enrolment created

    @property
    def mfa_used(self) -> bool:
        return self.mfa_at is not None


@dataclass(frozen=True)
class Grant:
    """A freshly issued session: the token goes to the browser, the session stays here."""

    token: str
    session: Session


@dataclass(frozen=True)
class CurrentSession:
    session: Session
    user: User
    requirement: MfaRequirement = NOT_REQUIRED  # required MFA: enrolment only, or a grace period's countdown
