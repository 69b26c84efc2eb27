"""Why a user's console sessions were ended (S18), remembered so that whoever still holds an ended session's cookie
is told on the sign-in page (issue 16, item 3). The record is keyed by the session's id hash: only the holder of
the old cookie can find it, and it names nothing but the reason and the time."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SessionEnd(enum.Enum):
    MFA_CHANGED = "mfa-changed"  # a device assigned, deactivated or removed (console, API, break-glass)
    PASSWORD_CHANGED = "password-changed"
    ENDED_BY_ADMIN = "ended-by-admin"  # the console password removed, the user deleted
    SIGNED_OUT_EVERYWHERE = "signed-out-everywhere"  # "Sign out everywhere" from another session


# An ended session's record is kept as long as the session could have lived (the absolute timeout, S15), then swept.
ENDED_SESSION_RETENTION = 12 * 3600.0


@dataclass(frozen=True)
class EndedSession:
    reason: SessionEnd
    user_id: str
    ended_at: float
