"""TOTP (RFC 6238): reference vectors, parameters, time steps, pyotp agreement, seeds."""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twostep.otp import (
    Algorithm,
    TotpParameters,
    generate_seed,
    time_step,
    totp,
    totp_at_step,
)
from twostep.otp.keyuri import base32_secret

# RFC 6238 Appendix B uses a different seed length per hash (see its reference code).
SEED_SHA1 = b"12345678901234567890"
SEED_SHA256 = b"12345678901234567890123456789012"
SEED_SHA512 = b"1234567890123456789012345678901234567890123456789012345678901234"
SEEDS = {Algorithm.SHA1: SEED_SHA1, Algorithm.SHA256: SEED_SHA256, Algorithm.SHA512: SEED_SHA512}

# RFC 6238 Appendix B: (time, T as hex, TOTP, mode), 8 digits, X = 30, T0 = 0.
RFC6238_VECTORS = [
    (59, "0000000000000001", "94287082", Algorithm.SHA1),
    (59, "0000000000000001", "46119246", Algorithm.SHA256),
    (59, "0000000000000001", "90693936", Algorithm.SHA512),
    (1111111109, "00000000023523EC", "07081804", Algorithm.SHA1),
    (1111111109, "00000000023523EC", "68084774", Algorithm.SHA256),
    (1111111109, "00000000023523EC", "25091201", Algorithm.SHA512),
    (1111111111, "00000000023523ED", "14050471", Algorithm.SHA1),
    (1111111111, "00000000023523ED", "67062674", Algorithm.SHA256),
    (1111111111, "00000000023523ED", "99943326", Algorithm.SHA512),
    (1234567890, "000000000273EF07", "89005924", Algorithm.SHA1),
    (1234567890, "000000000273EF07", "91819424", Algorithm.SHA256),
    (1234567890, "000000000273EF07", "93441116", Algorithm.SHA512),
    (2000000000, "0000000003F940AA", "69279037", Algorithm.SHA1),
    (2000000000, "0000000003F940AA", "90698825", Algorithm.SHA256),
    (2000000000, "0000000003F940AA", "38618901", Algorithm.SHA512),
    (20000000000, "0000000027BC86AA", "65353130", Algorithm.SHA1),
    (20000000000, "0000000027BC86AA", "77737706", Algorithm.SHA256),
    (20000000000, "0000000027BC86AA", "47863826", Algorithm.SHA512),
]

_DIGESTS = {Algorithm.SHA1: hashlib.sha1, Algorithm.SHA256: hashlib.sha256, Algorithm.SHA512: hashlib.sha512}


@pytest.mark.parametrize(("unix_time", "step_hex", "expected", "algorithm"), RFC6238_VECTORS)
def test_rfc6238_appendix_b(unix_time: int, step_hex: str, expected: str, algorithm: Algorithm) -> None:
    params = TotpParameters(digits=8, algorithm=algorithm)
    assert time_step(unix_time) == int(step_hex, 16)
    assert totp(SEEDS[algorithm], unix_time, params) == expected
    assert totp(SEEDS[algorithm], float(unix_time), params) == expected
    assert totp_at_step(SEEDS[algorithm], int(step_hex, 16), params) == expected


def test_rfc6238_seed_length_matters() -> None:
    # Using the 20-byte seed for SHA-256/512 gives different codes: the classic mistake.
    for algorithm in (Algorithm.SHA256, Algorithm.SHA512):
        params = TotpParameters(digits=8, algorithm=algorithm)
        assert totp(SEED_SHA1, 59, params) != totp(SEEDS[algorithm], 59, params)


# --- TotpParameters --------------------------------------------------------------------


def test_parameter_defaults() -> None:
    params = TotpParameters()
    assert (params.digits, params.period, params.algorithm) == (6, 30, Algorithm.SHA1)


@pytest.mark.parametrize(
    "kwargs",
    [{"digits": 5}, {"digits": 9}, {"period": 0}, {"period": -30}, {"algorithm": "MD5"}],
)
def test_parameter_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TotpParameters(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"digits": "6"}, {"digits": True}, {"period": 30.0}, {"period": True}])
def test_parameter_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        TotpParameters(**kwargs)  # type: ignore[arg-type]


def test_parameter_algorithm_string_is_normalised() -> None:
    params = TotpParameters(algorithm="SHA256")  # type: ignore[arg-type]
    assert params.algorithm is Algorithm.SHA256
    assert params == TotpParameters(algorithm=Algorithm.SHA256)


def test_parameters_are_frozen() -> None:
    params = TotpParameters()
    with pytest.raises(AttributeError):
        params.digits = 8  # type: ignore[misc]


# --- time_step -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unix_time", "period", "expected"),
    [
        (0, 30, 0),
        (29, 30, 0),
        (29.999999, 30, 0),
        (30, 30, 1),
        (59, 30, 1),
        (60, 30, 2),
        (59.5, 60, 0),
        (-0.5, 30, -1),
        (-30, 30, -1),
        (-31, 30, -2),
        (1, 1, 1),
    ],
)
def test_time_step(unix_time: float, period: int, expected: int) -> None:
    assert time_step(unix_time, period) == expected


@pytest.mark.parametrize("unix_time", [math.nan, math.inf, -math.inf])
def test_time_step_rejects_non_finite(unix_time: float) -> None:
    with pytest.raises(ValueError):
        time_step(unix_time)


@pytest.mark.parametrize("period", [0, -1])
def test_time_step_rejects_bad_period(period: int) -> None:
    with pytest.raises(ValueError):
        time_step(100, period)


def test_before_epoch_is_an_error() -> None:
    with pytest.raises(ValueError):
        totp(SEED_SHA1, -1)


@settings(max_examples=200, deadline=None)
@given(
    unix_time=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False) | st.integers(-(10**15), 10**15),
    period=st.integers(min_value=1, max_value=3600),
)
def test_time_step_is_exact_floor(unix_time: float, period: int) -> None:
    assert time_step(unix_time, period) == math.floor(Fraction(unix_time) / period)


# --- against pyotp ---------------------------------------------------------------------

_PYOTP_TIMES = st.integers(min_value=0, max_value=253402300799) | st.floats(
    min_value=0, max_value=253402300799, allow_nan=False
)


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=64),
    unix_time=_PYOTP_TIMES,
    digits=st.integers(min_value=6, max_value=8),
    # pyotp caps its interval at 120 s.
    period=st.sampled_from([30, 60]) | st.integers(min_value=1, max_value=120),
    algorithm=st.sampled_from(list(Algorithm)),
)
def test_matches_pyotp(key: bytes, unix_time: float, digits: int, period: int, algorithm: Algorithm) -> None:
    params = TotpParameters(digits=digits, period=period, algorithm=algorithm)
    reference = pyotp.TOTP(base32_secret(key), digits=digits, digest=_DIGESTS[algorithm], interval=period)
    assert totp(key, unix_time, params) == reference.at(unix_time)
    assert time_step(unix_time, period) == reference.timecode(unix_time)


# --- generate_seed ---------------------------------------------------------------------


def test_generate_seed() -> None:
    seeds = {generate_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(isinstance(seed, bytes) and len(seed) == 20 for seed in seeds)
    seed = generate_seed()
    assert totp(seed, 0) == totp_at_step(seed, 0)
