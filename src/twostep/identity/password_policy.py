"""What a password must be (security bar S22, NIST SP 800-63B §5.1.1.2): long enough, not common, no
composition rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from twostep.identity.errors import PasswordRejected


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("twostep.identity").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    max_length: int = 128

    def check(self, password: str) -> None:
        if len(password) < self.min_length:
            raise PasswordRejected(f"Password should have at least {self.min_length} characters.")
        if len(password) > self.max_length:
            raise PasswordRejected(f"Password should have at most {self.max_length} characters.")
        if password.lower() in common_passwords():
            raise PasswordRejected("Password is too common; choose one that is harder to guess.")
