"""HMAC-based one-time passwords (RFC 4226).

Pure functions only: bytes and ints in, strings out. Nothing here reads a clock,
settings or storage, so every result is reproducible from its arguments.
"""

from __future__ import annotations

import enum
import hmac

__all__ = ["MAX_COUNTER", "MAX_DIGITS", "MIN_DIGITS", "Algorithm", "hotp", "is_well_formed_code"]

#: RFC 4226 §5.3: "extract a 6-digit code at a minimum and possibly 7 and 8-digit code".
MIN_DIGITS = 6
MAX_DIGITS = 8

#: RFC 4226 §5.2: the counter is an 8-byte (unsigned, big-endian) moving factor.
MAX_COUNTER = (1 << 64) - 1


class Algorithm(enum.StrEnum):
    """HMAC hash function; RFC 6238 §1.2 allows HMAC-SHA-256 and -512 besides SHA-1.

    The values are the spellings used by the Key Uri Format ``algorithm`` parameter.
    """

    SHA1 = "SHA1"
    SHA256 = "SHA256"
    SHA512 = "SHA512"

    @property
    def hashlib_name(self) -> str:
        """The name :func:`hashlib.new` and :func:`hmac.digest` understand."""
        return self.value.lower()


def check_key(key: bytes) -> None:
    """Raise unless ``key`` is a non-empty bytes-like shared secret."""
    if not isinstance(key, bytes | bytearray | memoryview):
        raise TypeError(f"key must be bytes, not {type(key).__name__}")
    if len(key) == 0:
        # HMAC accepts an empty key, but a zero-length shared secret is always a bug.
        raise ValueError("key must not be empty")


def _check_digits(digits: int) -> None:
    # bool is an int subclass; True would otherwise be accepted as "1 digit".
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError(f"digits must be an int, not {type(digits).__name__}")
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be between {MIN_DIGITS} and {MAX_DIGITS}, got {digits}")


def hotp(key: bytes, counter: int, *, digits: int = 6, algorithm: Algorithm = Algorithm.SHA1) -> str:
    """Return the HOTP value for ``counter`` as a zero-padded decimal string.

    Implements RFC 4226 §5.3 (HMAC, dynamic truncation, modulo ``10**digits``)
    with the hash generalised as RFC 6238 §1.2 permits.

    Raises ``ValueError`` for an empty key, a counter outside the 8-byte range of
    RFC 4226 §5.2, or a digit count outside 6..8.
    """
    check_key(key)
    if isinstance(counter, bool) or not isinstance(counter, int):
        raise TypeError(f"counter must be an int, not {type(counter).__name__}")
    if not 0 <= counter <= MAX_COUNTER:
        raise ValueError("counter must fit in an unsigned 64-bit integer")
    _check_digits(digits)
    algorithm = Algorithm(algorithm)

    mac = hmac.digest(bytes(key), counter.to_bytes(8, "big"), algorithm.hashlib_name)
    return str(truncate(mac) % 10**digits).zfill(digits)


def truncate(mac: bytes) -> int:
    """RFC 4226 §5.3 dynamic truncation: the 31-bit number the HMAC value's last byte points at."""
    # The low nibble of the *last* byte picks the offset. RFC 6238 keeps that rule for the
    # longer SHA-256/512 digests, so do not use mac[19].
    offset = mac[-1] & 0x0F
    # Masking the top bit avoids signed/unsigned ambiguity across implementations.
    return int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF


def is_well_formed_code(code: str, digits: int = 6) -> bool:
    """Whether ``code`` is exactly ``digits`` ASCII ``0``-``9`` characters.

    RFC 4226 §5.3 values are plain decimal strings. No normalisation happens on
    purpose: ``str.isdigit`` and ``int()`` accept full-width, Arabic-Indic and
    superscript digits, signs and whitespace, which would let two different inputs
    compare as the same code. Callers that want to forgive spaces must strip them
    explicitly before calling this.
    """
    _check_digits(digits)
    return well_formed_for(code, digits)


def well_formed_for(code: object, digits: int) -> bool:
    """is_well_formed_code for a digit count already known to be valid (TotpParameters checks its own)."""
    # isdigit() alone accepts other scripts' digits; among ASCII characters it accepts exactly 0-9.
    return isinstance(code, str) and len(code) == digits and code.isascii() and code.isdigit()
