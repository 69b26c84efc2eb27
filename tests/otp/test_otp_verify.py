"""matching_steps: TOTP verification over a caller-chosen window of steps (RFC 6238 §5.2)."""

from __future__ import annotations

import hmac
import sys
from collections.abc import Callable

import pytest

from twostep.otp import Algorithm, TotpParameters, matching_steps, totp_at_step

# The package re-exports a *function* named ``totp``, which shadows the submodule as an
# attribute of ``twostep.otp``; fetch the module object itself for monkeypatching.
totp_module = sys.modules["twostep.otp.totp"]

KEY = b"\x8f" * 20


def test_finds_the_right_step() -> None:
    code = totp_at_step(KEY, 1000)
    assert matching_steps(KEY, code, [999, 1000, 1001]) == [1000]
    assert matching_steps(KEY, code, [1000]) == [1000]


def test_wrong_code() -> None:
    code = totp_at_step(KEY, 1000)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert matching_steps(KEY, wrong, [999, 1000, 1001]) == []


def test_code_for_another_step_outside_window() -> None:
    code = totp_at_step(KEY, 5000)
    assert matching_steps(KEY, code, [998, 999, 1000]) == [s for s in (998, 999, 1000) if code == totp_at_step(KEY, s)]


def test_empty_candidates() -> None:
    assert matching_steps(KEY, totp_at_step(KEY, 1), []) == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: " " + c,
        lambda c: c + " ",
        lambda c: c[:3] + " " + c[3:],
        lambda c: c[:-1],
        lambda c: c + "0",
        lambda c: "".join(chr(ord(d) - ord("0") + 0xFF10) for d in c),  # full-width
        lambda c: "".join(chr(ord(d) - ord("0") + 0x0660) for d in c),  # Arabic-Indic
        lambda c: "+" + c[1:],
        lambda c: "",
    ],
)
def test_malformed_code_never_matches(mangle: Callable[[str], str]) -> None:
    code = totp_at_step(KEY, 1000)
    assert matching_steps(KEY, mangle(code), [999, 1000, 1001]) == []


def test_malformed_dummy_is_not_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    # Malformed input is compared against expected codes as a string of zeros; a step
    # whose real code is "000000" must still not match a malformed submission.
    monkeypatch.setattr(totp_module, "_code_at", lambda secret, step, digest, digits, modulus: b"000000")
    assert matching_steps(KEY, "000000", [1, 2]) == [1, 2]
    for malformed in (" 000000", "00000", "0000000", "００００００", "0000 00", ""):
        assert matching_steps(KEY, malformed, [1, 2]) == []


def _colliding_steps(key: bytes) -> tuple[str, int, int]:
    seen: dict[str, int] = {}
    for step in range(100_000):
        code = totp_at_step(key, step)
        if code in seen:
            return code, seen[code], step
        seen[code] = step
    raise AssertionError("no collision found")


def test_several_matches() -> None:
    code, first, second = _colliding_steps(KEY)
    assert matching_steps(KEY, code, [first - 1, first, second, second + 1]) == [first, second]
    assert matching_steps(KEY, code, [second, first]) == [second, first]


def test_duplicate_candidates_reported_each_time() -> None:
    code = totp_at_step(KEY, 42)
    assert matching_steps(KEY, code, [42, 41, 42]) == [42, 42]


def test_uses_params() -> None:
    params = TotpParameters(digits=8, period=60, algorithm=Algorithm.SHA512)
    code = totp_at_step(KEY, 7, params)
    assert matching_steps(KEY, code, [6, 7, 8], params) == [7]
    assert matching_steps(KEY, code, [6, 7, 8]) == []  # 8 digits against 6-digit params


@pytest.mark.parametrize("kind", ["match", "wrong", "malformed", "non-ascii"])
def test_constant_work(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"codes": 0, "compares": 0}
    real_totp_at_step: Callable[[bytes, int, TotpParameters], str] = totp_module.totp_at_step
    real_code_at: Callable[..., bytes] = totp_module._code_at
    real_compare = hmac.compare_digest

    def counting_code_at(*args: object) -> bytes:
        calls["codes"] += 1
        return real_code_at(*args)

    def counting_compare(a: bytes, b: bytes) -> bool:
        calls["compares"] += 1
        return real_compare(a, b)

    monkeypatch.setattr(totp_module, "_code_at", counting_code_at)
    monkeypatch.setattr(totp_module.hmac, "compare_digest", counting_compare)

    candidates = list(range(100, 110))
    good = real_totp_at_step(KEY, 100, TotpParameters())
    code = {
        "match": good,
        "wrong": f"{(int(good) + 1) % 10**6:06d}",
        "malformed": "12",
        "non-ascii": "١٢٣٤٥٦",
    }[kind]
    result = matching_steps(KEY, code, candidates)
    assert (result == [100]) == (kind == "match")
    assert calls == {"codes": len(candidates), "compares": len(candidates)}


def test_out_of_range_steps_never_match() -> None:
    code = totp_at_step(KEY, 0)
    # A window built around step 0 reaches below the epoch; that is not an error.
    assert matching_steps(KEY, code, [-1, 0, 1]) == [0]
    # Step -1 and 2**64 are evaluated as step 0 internally; they must still not match.
    assert matching_steps(KEY, code, [-1, 2**64, -(2**70)]) == []
    assert matching_steps(KEY, code, [2**64 - 1]) == ([2**64 - 1] if totp_at_step(KEY, 2**64 - 1) == code else [])
