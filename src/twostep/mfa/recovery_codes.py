"""Recovery codes: the ten single-use codes a user saves when their first MFA device is assigned, and types when
that device is lost (sign in using alternative factors).

A code is ten characters of Crockford's base32 in lower case (no i, l, o or u), printed in two groups of five:
50 bits each, so ten guesses against a set of ten (the lock of the one verifier, S8) succeed with a chance near
1e-13. Codes are stored as keyed hashes only: HMAC-SHA256 under a random key of the user's set, which the key ring
seals (a rotation re-seals the key and the hashes stay valid; a dump of the database without the key file yields
nothing to brute-force). The check itself is CodeVerifier.verify_recovery_code: reserved, evaluated, counted and
audited like every other secret (architecture rule 2, S35).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

CODE_COUNT = 10
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # 32 characters: one byte modulo 32 is uniform
GROUP = 5
HASH_KEY_BYTES = 32
# The printed form (either case), or the same ten characters without the hyphen. Nothing else is evaluated.
_WELL_FORMED = re.compile(r"([0-9a-hjkmnp-tv-z]{5})-?([0-9a-hjkmnp-tv-z]{5})", re.ASCII)


@dataclass(frozen=True)
class StoredRecoveryCode:
    position: int
    code_hash: str
    used: bool


@dataclass(frozen=True)
class RecoveryCodeStatus:
    """What Security credentials shows: how many codes remain, whether a set is owed (first device just
    assigned, codes not shown yet) and whether the user typed one back after saving them."""

    remaining: int
    issued_at: float | None
    confirmed_at: float | None
    pending: bool

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


NO_RECOVERY_CODES = RecoveryCodeStatus(remaining=0, issued_at=None, confirmed_at=None, pending=False)


def new_code() -> str:
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(2 * GROUP))
    return f"{raw[:GROUP]}-{raw[GROUP:]}"


def new_codes() -> tuple[str, ...]:
    codes: list[str] = []
    while len(codes) < CODE_COUNT:
        code = new_code()
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def new_hash_key() -> bytes:
    return secrets.token_bytes(HASH_KEY_BYTES)


def hash_key_associated_data(user_id: str) -> bytes:
    """Binds a set's sealed key to its user: a key copied onto another user's row fails to open."""
    return f"twostep/recovery-code-key/{user_id}".encode()


def canonical(code: str) -> str | None:
    """The code as it was issued, or None when it is not well formed (counted as a failure all the same)."""
    found = _WELL_FORMED.fullmatch(code.lower()) if code.isascii() else None
    return f"{found.group(1)}-{found.group(2)}" if found else None


def code_hash(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def matching_code(key: bytes, code: str, stored: Sequence[StoredRecoveryCode]) -> StoredRecoveryCode | None:
    """The stored code this one is (spent or not): every hash compared in constant time, none skipped (S6)."""
    form = canonical(code)
    candidate = code_hash(key, form if form is not None else "")
    found = None
    for entry in stored:
        if hmac.compare_digest(candidate, entry.code_hash) and form is not None:
            found = entry
    return found
