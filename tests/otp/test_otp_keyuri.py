"""Base32 secrets and otpauth:// provisioning URIs."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qsl, urlsplit

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import Algorithm, TotpParameters, base32_secret, key_uri, totp

RFC_KEY = b"12345678901234567890"

_DIGESTS = {Algorithm.SHA1: hashlib.sha1, Algorithm.SHA256: hashlib.sha256, Algorithm.SHA512: hashlib.sha512}


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        # RFC 4648 §10 test vectors, padding removed.
        (b"f", "MY"),
        (b"fo", "MZXQ"),
        (b"foo", "MZXW6"),
        (b"foob", "MZXW6YQ"),
        (b"fooba", "MZXW6YTB"),
        (b"foobar", "MZXW6YTBOI"),
        (RFC_KEY, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    ],
)
def test_base32_secret(secret: bytes, expected: str) -> None:
    assert base32_secret(secret) == expected


def test_base32_secret_rejects_empty() -> None:
    with pytest.raises(ValueError):
        base32_secret(b"")


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_base32_round_trip(secret: bytes) -> None:
    encoded = base32_secret(secret)
    assert "=" not in encoded
    assert encoded == encoded.upper()
    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert base64.b32decode(encoded + "=" * (-len(encoded) % 8)) == secret


def test_key_uri_defaults() -> None:
    uri = key_uri(RFC_KEY, issuer="twostep", label="alice-phone@123456789012")
    assert uri == (
        "otpauth://totp/twostep:alice-phone%40123456789012?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=twostep"
    )


def test_key_uri_non_default_parameters() -> None:
    params = TotpParameters(digits=8, period=60, algorithm=Algorithm.SHA256)
    uri = key_uri(RFC_KEY, issuer="Acme Corp", label="bob", params=params)
    assert uri.startswith("otpauth://totp/Acme%20Corp:bob?")
    query = dict(parse_qsl(urlsplit(uri).query))
    assert query == {
        "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "issuer": "Acme Corp",
        "algorithm": "SHA256",
        "digits": "8",
        "period": "60",
    }


@pytest.mark.parametrize(
    ("params", "present"),
    [
        (TotpParameters(algorithm=Algorithm.SHA512), {"algorithm"}),
        (TotpParameters(digits=7), {"digits"}),
        (TotpParameters(period=45), {"period"}),
    ],
)
def test_only_non_defaults_emitted(params: TotpParameters, present: set[str]) -> None:
    query = dict(parse_qsl(urlsplit(key_uri(RFC_KEY, issuer="i", label="l", params=params)).query))
    assert set(query) - {"secret", "issuer"} == present


def test_special_characters_are_escaped() -> None:
    uri = key_uri(RFC_KEY, issuer="A&B/C?#", label="a b+c%d@e")
    assert uri.startswith("otpauth://totp/A%26B%2FC%3F%23:a%20b%2Bc%25d%40e?")
    parsed = pyotp.parse_uri(uri)
    assert (parsed.issuer, parsed.name) == ("A&B/C?#", "a b+c%d@e")


@pytest.mark.parametrize(("issuer", "label"), [("", "x"), ("x", ""), ("a:b", "x"), ("x", "a:b")])
def test_invalid_names(issuer: str, label: str) -> None:
    with pytest.raises(ValueError):
        key_uri(RFC_KEY, issuer=issuer, label=label)


_NAMES = st.text(min_size=1, max_size=40).filter(lambda s: ":" not in s)


@settings(max_examples=200, deadline=None)
@given(
    secret=st.binary(min_size=16, max_size=64),
    issuer=_NAMES,
    label=_NAMES,
    digits=st.integers(min_value=6, max_value=8),
    period=st.integers(min_value=1, max_value=120),
    algorithm=st.sampled_from(list(Algorithm)),
    unix_time=st.integers(min_value=0, max_value=2**34),
)
def test_pyotp_parses_key_uri(
    secret: bytes, issuer: str, label: str, digits: int, period: int, algorithm: Algorithm, unix_time: int
) -> None:
    params = TotpParameters(digits=digits, period=period, algorithm=algorithm)
    uri = key_uri(secret, issuer=issuer, label=label, params=params)
    assert uri.isascii()
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == base32_secret(secret)
    assert parsed.byte_secret() == secret
    assert parsed.issuer == issuer
    assert parsed.name == label
    assert parsed.digits == digits
    assert parsed.interval == period
    assert parsed.digest is _DIGESTS[algorithm]
    assert parsed.at(unix_time) == totp(secret, unix_time, params)
