"""The rules every entry of every format meets, and the spellings the formats share (secrets, hash names).

A token is usable through AWS's API only if its serial fits AWS's SerialNumber (9 to 256 of ``[\\w+=/:,.@-]``); a
serial may not look like a virtual device's ARN. RFC 4226 §4 R6 asks for seeds of at least 128 bits. Tokens show
6 or 8 digits every 30 or 60 seconds, hashed with SHA-1, SHA-256 or SHA-512 (RFC 6238 §1.2).
"""

from __future__ import annotations

import base64
import binascii
import re

from twostep.otp import Algorithm, TotpParameters
from twostep.tokens.models import Rejected, TokenSeed

SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
MIN_SEED_BYTES = 16
DIGITS = (6, 8)
PERIODS = (30, 60)
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE32 = re.compile(r"[A-Za-z2-7]+=*")


class EntryProblem(ValueError):
    """Why one entry cannot be imported (the message names no secret)."""


def checked(where: str, serial: str | None, seed: bytes, params: TotpParameters) -> TokenSeed | Rejected:
    """The entry as a token to import, or the first rule it breaks."""
    if not serial:
        return Rejected(where, None, "no serial number")
    if not SERIAL.fullmatch(serial) or serial.lower().startswith("arn:"):
        return Rejected(where, serial, "a serial number is 9 to 256 letters, digits and + = / : , . @ _ - characters")
    if len(seed) < MIN_SEED_BYTES:
        return Rejected(where, serial, f"the seed has {len(seed) * 8} bits; at least 128 are needed")
    if params.digits not in DIGITS:
        return Rejected(where, serial, f"{params.digits} digits: tokens show 6 or 8")
    if params.period not in PERIODS:
        return Rejected(where, serial, f"a {params.period}-second period: tokens use 30 or 60 seconds")
    return TokenSeed(where, serial, seed, params)


def parameters(digits: str | int | None, period: str | int | None, algorithm: str | None) -> TotpParameters:
    """TOTP parameters from a file's fields (absent: 6 digits, 30 seconds, SHA-1)."""
    try:
        digits_value = 6 if digits in (None, "") else int(digits)
        period_value = 30 if period in (None, "") else int(period)
    except ValueError as exc:
        raise EntryProblem("digits and period must be whole numbers") from exc
    if digits_value not in DIGITS:
        raise EntryProblem(f"{digits_value} digits: tokens show 6 or 8")
    if period_value not in PERIODS:
        raise EntryProblem(f"a {period_value}-second period: tokens use 30 or 60 seconds")
    return TotpParameters(digits=digits_value, period=period_value, algorithm=hash_algorithm(algorithm))


def hash_algorithm(name: str | None) -> Algorithm:
    """SHA1, SHA-256, HMAC-SHA512, sha256, ... as one of the three hashes RFC 6238 allows (absent: SHA-1)."""
    if not name:
        return Algorithm.SHA1
    spelled = name.strip().upper().removeprefix("HMAC-").replace("-", "")
    try:
        return Algorithm(spelled)
    except ValueError:
        raise EntryProblem("the hash is not SHA1, SHA256 or SHA512") from None


def decode_secret(text: str) -> bytes:
    """A secret in hex (an even number of hex digits) or Base32 (RFC 4648, padding optional, any case).

    A secret made only of the characters both alphabets share (2-7 and A-F) is read as hex."""
    compact = "".join(text.split())
    if _HEX.fullmatch(compact):
        return bytes.fromhex(compact)
    if _BASE32.fullmatch(compact):
        unpadded = compact.rstrip("=").upper()
        try:
            return base64.b32decode(unpadded + "=" * (-len(unpadded) % 8))
        except binascii.Error:
            pass
    raise EntryProblem("the secret is neither hex nor Base32")
