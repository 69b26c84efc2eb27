"""The numbers of console sign-in: how long a session lives, how the password step is throttled, how recent a
proof must be for a sensitive change."""

from __future__ import annotations

from dataclasses import dataclass, field

from twostep.throttling import Throttling


@dataclass(frozen=True)
class SignInSettings:
    idle_timeout: float = 30 * 60  # S15
    absolute_timeout: float = 12 * 3600
    password_max_failures: int = 100  # S11: a hard stop, far above what a typing user reaches
    password_throttle: Throttling = field(
        default_factory=lambda: Throttling(max_failures=100, base_delay=1.0, max_delay=60.0)
    )
    fresh_window: float = 5 * 60  # S17: sensitive changes need a password (and code) proved this recently
    # S17 for the Assign MFA device wizard: a proof fresh when the wizard started holds until it ends, for this long
    # after its start (installing an authenticator app takes minutes).
    enrolment_window: float = 15 * 60
    # A session signed in using alternative factors: long enough to set up a new authenticator, and fresh (S17)
    # throughout, since the proof it rests on is spent and cannot be repeated by re-authenticating.
    recovery_session_lifetime: float = 15 * 60
