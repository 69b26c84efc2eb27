"""HOTP (RFC 4226) and code-shape checks."""

from __future__ import annotations

import hashlib
import re

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import Algorithm, hotp, is_well_formed_code
from twostep.otp.keyuri import base32_secret

RFC4226_KEY = b"12345678901234567890"

# RFC 4226 Appendix D: (counter, decimal value of the truncated 31-bit string, HOTP).
RFC4226_VECTORS = [
    (0, 1284755224, "755224"),
    (1, 1094287082, "287082"),
    (2, 137359152, "359152"),
    (3, 1726969429, "969429"),
    (4, 1640338314, "338314"),
    (5, 868254676, "254676"),
    (6, 1918287922, "287922"),
    (7, 82162583, "162583"),
    (8, 673399871, "399871"),
    (9, 645520489, "520489"),
]

_DIGESTS = {Algorithm.SHA1: hashlib.sha1, Algorithm.SHA256: hashlib.sha256, Algorithm.SHA512: hashlib.sha512}


@pytest.mark.parametrize(("counter", "truncated", "expected"), RFC4226_VECTORS)
def test_rfc4226_appendix_d(counter: int, truncated: int, expected: str) -> None:
    assert hotp(RFC4226_KEY, counter) == expected
    # The 7- and 8-digit forms are the same truncated value reduced modulo 10**digits.
    assert hotp(RFC4226_KEY, counter, digits=7) == f"{truncated % 10**7:07d}"
    assert hotp(RFC4226_KEY, counter, digits=8) == f"{truncated % 10**8:08d}"


def test_leading_zeros_are_kept() -> None:
    # RFC 4226 counter 7 truncates to 82162583, whose 8-digit form starts with a zero.
    assert hotp(RFC4226_KEY, 7, digits=8) == "82162583"
    padded = [hotp(RFC4226_KEY, c, digits=8) for c in range(200)]
    assert all(len(code) == 8 for code in padded)
    assert any(code.startswith("0") for code in padded)


def test_algorithm_accepts_plain_strings() -> None:
    assert hotp(RFC4226_KEY, 1, algorithm="SHA256") == hotp(  # type: ignore[arg-type]
        RFC4226_KEY, 1, algorithm=Algorithm.SHA256
    )
    assert Algorithm("SHA512") is Algorithm.SHA512
    assert Algorithm.SHA1 == "SHA1"


@pytest.mark.parametrize("counter", [-1, 2**64, -(2**70)])
def test_counter_out_of_range(counter: int) -> None:
    with pytest.raises(ValueError, match="counter"):
        hotp(RFC4226_KEY, counter)


def test_counter_limits() -> None:
    assert len(hotp(RFC4226_KEY, 2**64 - 1)) == 6


@pytest.mark.parametrize("digits", [0, 1, 5, 9, 10, -6])
def test_digits_out_of_range(digits: int) -> None:
    with pytest.raises(ValueError, match="digits"):
        hotp(RFC4226_KEY, 0, digits=digits)
    with pytest.raises(ValueError, match="digits"):
        is_well_formed_code("123456", digits)


@pytest.mark.parametrize(("kwargs", "error"), [({"counter": True}, TypeError), ({"digits": True}, TypeError)])
def test_bools_are_not_ints(kwargs: dict[str, object], error: type[Exception]) -> None:
    args: dict[str, object] = {"key": RFC4226_KEY, "counter": 0, **kwargs}
    with pytest.raises(error):
        hotp(**args)  # type: ignore[arg-type]


def test_empty_key_rejected() -> None:
    with pytest.raises(ValueError, match="key"):
        hotp(b"", 0)


def test_bad_algorithm_rejected() -> None:
    with pytest.raises(ValueError):
        hotp(RFC4226_KEY, 0, algorithm="MD5")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=64),
    counter=st.integers(min_value=0, max_value=2**63 - 1),
    digits=st.integers(min_value=6, max_value=8),
    algorithm=st.sampled_from(list(Algorithm)),
)
def test_matches_pyotp(key: bytes, counter: int, digits: int, algorithm: Algorithm) -> None:
    reference = pyotp.HOTP(base32_secret(key), digits=digits, digest=_DIGESTS[algorithm])
    assert hotp(key, counter, digits=digits, algorithm=algorithm) == reference.at(counter)


# --- is_well_formed_code -------------------------------------------------------------

REJECTED = [
    "",
    "12345",
    "1234567",
    " 123456",
    "123456 ",
    "123 456",
    "123-456",
    "123456\n",
    "\t123456",
    "12345\x00",
    "+12345",
    "-12345",
    "+123456",
    "12_345",  # int() accepts underscores
    "1e5000",
    "0x1234",
    "１２３４５６",  # full-width
    "١٢٣٤٥٦",  # Arabic-Indic
    "۱۲۳۴۵۶",  # extended Arabic-Indic (Persian)
    "१२३४५६",  # Devanagari
    "²³⁴⁵⁶⁷",  # superscripts: str.isdigit() is True for these
    "①②③④⑤⑥",  # circled digits
    "𝟏𝟐𝟑𝟒𝟓𝟔",  # mathematical bold
    "12345６",
    "l23456",
    "O12345",
    "123456\u200b",  # zero-width space
    "\u202e123456",  # right-to-left override
]


@pytest.mark.parametrize("code", REJECTED)
def test_rejects(code: str) -> None:
    assert not is_well_formed_code(code)


@pytest.mark.parametrize("code", ["123456", "000000", "999999", "012345"])
def test_accepts(code: str) -> None:
    assert is_well_formed_code(code)


def test_respects_digits() -> None:
    assert is_well_formed_code("1234567", 7)
    assert is_well_formed_code("12345678", 8)
    assert not is_well_formed_code("123456", 8)
    assert not is_well_formed_code("12345678", 6)


@pytest.mark.parametrize("value", [None, 123456, b"123456", ["1", "2", "3", "4", "5", "6"]])
def test_non_strings_rejected(value: object) -> None:
    assert not is_well_formed_code(value)  # type: ignore[arg-type]


_SIX_ASCII_DIGITS = re.compile(r"[0-9]{6}")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_anything_but_six_ascii_digits_is_rejected(code: str) -> None:
    assert is_well_formed_code(code) == (_SIX_ASCII_DIGITS.fullmatch(code) is not None)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), min_size=6, max_size=6))
def test_unicode_digits_rejected(code: str) -> None:
    assert is_well_formed_code(code) == all(ch in "0123456789" for ch in code)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=6, max_size=8))
def test_ascii_digit_strings_accepted(code: str) -> None:
    assert is_well_formed_code(code, len(code))
