"""Time-based one-time passwords (RFC 6238) on top of :mod:`twostep.otp.hotp`.

The caller supplies the time (or the candidate time steps); this module never
reads a clock, which keeps verification windows and replay rules in the caller.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from twostep.otp.hotp import (
    MAX_COUNTER,
    MAX_DIGITS,
    MIN_DIGITS,
    Algorithm,
    check_key,
    hotp,
    truncate,
    well_formed_for,
)

__all__ = [
    "SEED_BYTES",
    "TotpParameters",
    "generate_seed",
    "matching_steps",
    "time_step",
    "totp",
    "totp_at_step",
]

#: RFC 4226 §4 R6 requires at least 128 bits and recommends 160 bits.
SEED_BYTES = 20


@dataclass(frozen=True)
class TotpParameters:
    """The per-credential TOTP settings of RFC 6238 §4.1 (X) and §1.2 (hash)."""

    digits: int = 6
    period: int = 30
    algorithm: Algorithm = Algorithm.SHA1
    # The algorithm's name for hmac.digest, worked out once (every code check needs it).
    hashlib_name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("digits", "period"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not MIN_DIGITS <= self.digits <= MAX_DIGITS:
            raise ValueError(f"digits must be between {MIN_DIGITS} and {MAX_DIGITS}, got {self.digits}")
        if self.period < 1:
            raise ValueError(f"period must be at least 1 second, got {self.period}")
        # Values loaded from storage arrive as plain strings; normalise (and validate)
        # them so equality and hashing behave the same for both spellings.
        object.__setattr__(self, "algorithm", Algorithm(self.algorithm))
        object.__setattr__(self, "hashlib_name", self.algorithm.hashlib_name)


def time_step(unix_time: float, period: int = 30) -> int:
    """Return ``floor((unix_time - T0) / period)`` with ``T0 = 0`` (RFC 6238 §4.2).

    Times before the epoch give negative steps, which :func:`totp_at_step` rejects.
    """
    if isinstance(period, bool) or not isinstance(period, int):
        raise TypeError(f"period must be an int, not {type(period).__name__}")
    if period < 1:
        raise ValueError(f"period must be at least 1 second, got {period}")
    if isinstance(unix_time, float) and not math.isfinite(unix_time):
        raise ValueError("unix_time must be finite")
    # Floor division (not int() truncation) so that negative times round towards
    # minus infinity as the RFC's floor requires; ints stay exact at any size.
    return int(unix_time // period)


def totp_at_step(key: bytes, step: int, params: TotpParameters = TotpParameters()) -> str:
    """Return the TOTP value for time step ``step`` (RFC 6238 §4.2: HOTP with K and T)."""
    return hotp(key, step, digits=params.digits, algorithm=params.algorithm)


def totp(key: bytes, unix_time: float, params: TotpParameters = TotpParameters()) -> str:
    """Return the TOTP value valid at ``unix_time`` seconds since the epoch (RFC 6238 §4)."""
    return totp_at_step(key, time_step(unix_time, params.period), params)


def matching_steps(
    key: bytes,
    code: str,
    candidate_steps: Sequence[int],
    params: TotpParameters = TotpParameters(),
) -> list[int]:
    """Return, in candidate order, every step in ``candidate_steps`` whose code is ``code``.

    RFC 6238 §5.2 lets a verifier accept a small window of steps; choosing the window
    and refusing a code that was already accepted (also §5.2) is the caller's job.

    Every candidate is computed and compared with :func:`hmac.compare_digest`, even
    after a match and even when ``code`` is malformed, so the work done depends only
    on ``len(candidate_steps)`` and not on how close a guess was. Duplicated
    candidates are reported once per occurrence. A step outside the RFC 4226 §5.2
    counter range (e.g. negative, from a clock near the epoch) has no code and never
    matches; it is not an error, so callers can build windows with plain arithmetic.
    """
    well_formed = well_formed_for(code, params.digits)
    # A malformed code is swapped for a same-length dummy so the comparison cost
    # does not reveal the malformation; the well_formed flag below keeps the dummy
    # from ever counting as a match.
    probe = code.encode("ascii") if well_formed else b"0" * params.digits
    # The key and parameters are checked once; each candidate is then one call of OpenSSL's one-shot HMAC
    # (RFC 4226 §5.3 HOTP, computed exactly as hotp() does). For the usual two candidates this beats keying one
    # HMAC object and copying it per step (measured in docs/performance.md).
    check_key(key)
    secret = bytes(key)
    digest = params.hashlib_name
    digits = params.digits
    modulus = 10**digits
    matches: list[int] = []
    for step in candidate_steps:
        in_range = 0 <= step <= MAX_COUNTER
        # Out-of-range steps still cost one HMAC (of step 0) to keep the work uniform.
        equal = hmac.compare_digest(_code_at(secret, step if in_range else 0, digest, digits, modulus), probe)
        if equal and well_formed and in_range:
            matches.append(step)
    return matches


def _code_at(secret: bytes, step: int, digest: str, digits: int, modulus: int) -> bytes:
    """HOTP (RFC 4226 §5.3) of `step`, as ASCII digits, for an already checked key and parameters."""
    mac = hmac.digest(secret, step.to_bytes(8, "big"), digest)
    return b"%0*d" % (digits, truncate(mac) % modulus)


def generate_seed() -> bytes:
    """Return a fresh random shared secret of :data:`SEED_BYTES` bytes (RFC 4226 §7.5)."""
    return secrets.token_bytes(SEED_BYTES)
