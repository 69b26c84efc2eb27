"""S22: 8 to 128 characters, no composition rules, and none of the 10,000 most common passwords."""

from __future__ import annotations

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from twostep.identity.errors import PasswordRejected
from twostep.identity.password_policy import COMMON_PASSWORD_COUNT, PasswordPolicy, common_passwords

RANKED: list[str] = FREQUENCY_LISTS["passwords"]
policy = PasswordPolicy()


def rejected(password: str) -> str:
    with pytest.raises(PasswordRejected) as raised:
        policy.check(password)
    return str(raised.value)


def test_the_list_is_the_top_ten_thousand() -> None:
    assert COMMON_PASSWORD_COUNT == 10_000 and len(common_passwords()) == 10_000
    assert common_passwords() == frozenset(RANKED[:10_000])


@pytest.mark.parametrize("password", ["password", "12345678", "baseball", "football", "iloveyou", "trustno1"])
def test_the_most_common_are_refused(password: str) -> None:
    assert "too common" in rejected(password)


def test_exactly_the_first_ten_thousand_ranks_are_refused() -> None:
    last_refused = next(p for p in reversed(RANKED[:10_000]) if 8 <= len(p) <= 128)
    first_allowed = next(p for p in RANKED[10_000:] if 8 <= len(p) <= 128 and p not in common_passwords())
    assert "too common" in rejected(last_refused)
    policy.check(first_allowed)


def test_case_does_not_make_a_common_password_uncommon() -> None:
    assert "too common" in rejected("PassWord")
    assert "too common" in rejected("FOOTBALL")


def test_length_bounds() -> None:
    assert "at least 8" in rejected("7 chars")
    policy.check("8 chars!")
    policy.check("x" * 128)
    assert "at most 128" in rejected("x" * 129)
    policy.check("비밀번호는여덟글자")  # characters, not bytes


def test_no_composition_rules() -> None:
    """NIST SP 800-63B §5.1.1.2: no required mix of character classes."""
    for password in ("correct horse battery staple", "alllowercaseletters", "9482716350284", "ÄÖÜäöüßéèêë"):
        policy.check(password)
