"""What a password must be (security bar S22, NIST SP 800-63B §5.1.1.2): long enough, not common, no
composition rules.

"Common" means the 10,000 most frequent passwords of the ranked `passwords` frequency list that ships with the
zxcvbn package (zxcvbn-python, MIT; the list is Dropbox zxcvbn's, ranked from Mark Burnett's corpus of 10 million
leaked passwords). The list is lower-case, so passwords are compared case-insensitively: "Password1" is as
guessable as "password1".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from twostep.identity.errors import PasswordTooCommon, PasswordTooLong, PasswordTooShort

COMMON_PASSWORDS_SOURCE = "zxcvbn.frequency_lists.FREQUENCY_LISTS['passwords']"
COMMON_PASSWORD_COUNT = 10_000


@cache
def common_passwords() -> frozenset[str]:
    ranked: list[str] = FREQUENCY_LISTS["passwords"]  # most frequent first
    return frozenset(p.lower() for p in ranked[:COMMON_PASSWORD_COUNT])


@dataclass(frozen=True)
class PasswordPolicy:
    """8 to 128 characters (NIST's floor for a password used with a second factor; no arbitrary low cap)."""

    min_length: int = 8
    max_length: int = 128

    def check(self, password: str) -> None:
        """The one entry point: raises a PasswordRejected (one subclass per rule) with a message the user can act on."""
        if len(password) < self.min_length:
            raise PasswordTooShort(self.min_length)
        if len(password) > self.max_length:
            raise PasswordTooLong(self.max_length)
        if password.lower() in common_passwords():
            raise PasswordTooCommon()
