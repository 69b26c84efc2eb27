"""Argon2id password hashing (security bar S22: m >= 19 MiB, t >= 2, p = 1, parameters stored with the hash)."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class PasswordHasher:
    def __init__(self, time_cost: int = 2, memory_kib: int = 19 * 1024, parallelism: int = 1) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # Verified for unknown users so that "no such user" costs the same as "wrong password" (S13).
        self._dummy_hash = self._argon2.hash("twostep dummy password for timing equality")

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant-cost check; a missing hash (unknown user, no login profile) still costs one Argon2 run."""
        try:
            ok = self._argon2.verify(password_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return ok and password_hash is not None
