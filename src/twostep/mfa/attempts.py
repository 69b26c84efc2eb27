"""What an attempt at a secret is checked within and what a good one yields: the code windows (S2), the resync
search, who made the attempt, the accepted step or recovery code. Used by CodeVerifier (verifier.py)."""

from __future__ import annotations

from dataclasses import dataclass

# S2: a single code is accepted at steps T-1 and T of the server's clock (plus the device's learnt drift).
# T-1 covers a code typed just before its 30 s window closed; T+1 is not accepted.
STEPS_BEHIND = 1
# Enrolment: code 2 is the step after code 1, and code 2 may be the current or the previous step (the user
# may have waited for the next code before submitting both).
ENROLMENT_LAST_STEPS = (-1, 0)
# Resync: two consecutive codes, searched this many seconds either side of the server's time (AWS resyncs
# devices whose clocks drifted by minutes; hardware tokens drift over the years): 20 steps of 30 s, 10 of 60 s.
# Two consecutive 6-digit codes make a guess ~1e-12 per step. The offset found is stored as the device's drift
# (in its own steps), and every later check centres its narrow window on it.
RESYNC_SEARCH_SECONDS = 600


def resync_search_steps(period: int) -> int:
    return RESYNC_SEARCH_SECONDS // period


@dataclass(frozen=True)
class AcceptedCode:
    step: int
    drift: int


@dataclass(frozen=True)
class AcceptedRecoveryCode:
    position: int


@dataclass(frozen=True)
class AttemptContext:
    purpose: str  # ConsoleLogin, EnableMFADevice, ResyncMFADevice, GetSessionToken, ...
    actor: str | None = None
    source_ip: str | None = None
