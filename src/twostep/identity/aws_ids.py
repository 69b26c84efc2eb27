"""Identifiers shaped like AWS's: account ids, unique ids (AIDA...), access key ids and secrets."""

from __future__ import annotations

import secrets
import string

_UPPER_DIGITS = string.ascii_uppercase + "234567"  # AWS unique ids use upper-case letters and digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _random(alphabet: str, length: int) -> str:
    size = len(alphabet)
    if 256 % size == 0:
        # Both alphabets here have 32 or 64 characters, which divide 256: one byte per character, taken modulo
        # the size, is exactly uniform, from one call to the system's random source instead of one per character.
        return "".join([alphabet[byte % size] for byte in secrets.token_bytes(length)])
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_account_id() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)  # 12 digits, no leading zero


def new_user_id() -> str:
    return "AIDA" + _random(_UPPER_DIGITS, 17)


def new_device_id() -> str:
    return "MFAD" + _random(_UPPER_DIGITS, 17)


def new_u2f_suffix() -> str:
    """The random tail of a passkey's serial (AWS: 26 upper-case letters and digits after the device name)."""
    return _random(_UPPER_DIGITS, 26)


def new_access_key_id(temporary: bool = False) -> str:
    return ("ASIA" if temporary else "AKIA") + _random(_UPPER_DIGITS, 16)


def new_secret_access_key() -> str:
    return _random(_SECRET_ALPHABET, 40)


def new_policy_id() -> str:
    return "ANPA" + _random(_UPPER_DIGITS, 17)


def new_role_id() -> str:
    return "AROA" + _random(_UPPER_DIGITS, 17)


def new_group_id() -> str:
    return "AGPA" + _random(_UPPER_DIGITS, 17)
