"""Wildcards, ARN components and policy-variable substitution, tested directly."""

from __future__ import annotations

import time

import pytest

from twostep.policy.language.conditions import parse_date, parse_number, parse_operator
from twostep.policy.language.matching import action_matches, arn_like, expand, like, resource_matches

KEYS = {"aws:username": "alice", "aws:principaltag/quote": "it's"}


def resolve(name: str) -> str | None:
    return KEYS.get(name.lower())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("home/${aws:username}", "home/alice"),
        ("${aws:username}${aws:username}", "alicealice"),
        ("${ aws:username }", "alice"),
        ("${aws:userid}", None),
        ("${aws:userid, 'anon'}", "anon"),
        ("${aws:userid, 'it''s'}", "it's"),
        ("${aws:userid,'x}y'}", "x}y"),
        ("${*}${?}${$}", "*?$"),
        ("${}", None),
        ("${a b}", None),
        ("$ {aws:username}", "$ {aws:username}"),
        ("${aws:username", "${aws:username"),
        ("${aws:username, '${aws:userid}'}", "alice"),
        ("${aws:userid, '${aws:username}'}", "${aws:username}"),  # one round of substitution only
    ],
)
def test_expand(text: str, expected: str | None) -> None:
    assert expand(text, resolve) == expected


def test_expand_without_variables_is_literal() -> None:
    assert expand("home/${aws:username}/*", None) == "home/${aws:username}/*"


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("iam:ListUsers", "IAM:LISTUSERS", True),
        ("iam:*", "iam:ListUsers", True),
        ("iam:*User*", "iam:GetUserPolicy", True),
        ("iam:?etUser", "iam:GetUser", True),
        ("iam:ListUsers", "iam:ListUsersX", False),
        ("iam:List.*", "iam:ListX", False),  # regex characters are literal
        ("*", "anything:AtAll", True),
    ],
)
def test_action_matches(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


@pytest.mark.parametrize(
    ("pattern", "resource", "matches"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", True),
        ("arn:aws:s3:::b[a]", "arn:aws:s3:::ba", False),
        ("arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/alice", True),
        ("arn:aws:iam::*:user/${aws:PrincipalTag/quote}", "arn:aws:iam::1:user/it's", True),
        ("arn:aws:s3:::x\ny", "arn:aws:s3:::x\ny", True),
    ],
)
def test_resource_matches(pattern: str, resource: str, matches: bool) -> None:
    assert resource_matches(pattern, resource, resolve) is matches


def test_arn_like_matches_component_by_component() -> None:
    assert arn_like("arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:user/a:b", None)
    assert not arn_like("arn:aws:iam::*:user/*", "arn:aws:iam::1:2:user/a", None)  # "*" stays in its component
    assert not arn_like("arn:aws:iam::*:user/*", "arn:aws:iam::1", None)
    assert arn_like("arn:aws:*", "arn:aws:iam::1:user/a", None)  # fewer components: the whole ARN
    assert arn_like("arn:aws:iam::${aws:username}:*", "arn:aws:iam::alice:user/a", resolve)


def test_like_with_an_unset_variable_matches_nothing() -> None:
    assert not like("a/${aws:userid}/*", "a//x", resolve)
    assert not like("*${aws:userid}", "anything", resolve)


def test_like_ignore_case() -> None:
    assert like("IAM:List*", "iam:listusers", None, ignore_case=True)
    assert not like("IAM:List*", "iam:listusers", None)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*a" * 20 + "b", "a" * 5000, False),
        ("*a" * 20, "a" * 5000, True),
        ("*?*?*?*", "ab", False),
        ("${" + "''" * 5000, "${" + "''" * 5000, True),
    ],
)
def test_matching_stays_fast_on_hostile_input(pattern: str, value: str, expected: bool) -> None:
    # A backtracking regex needs exponential (or high-polynomial) time on these; the glob stays quadratic.
    started = time.perf_counter()
    assert like(pattern, value, resolve) is expected
    expand(pattern, resolve)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T01:00:00+01:00", 0),
        ("1970-01-02", 86400),
        ("86400", 86400),
        ("-1", -1),
        ("2026-06-01T12:00:00.5Z", 1780315200.5),
        ("soon", None),
        ("9223372036854775808", None),
    ],
)
def test_parse_date(text: str, seconds: float | None) -> None:
    parsed = parse_date(text)
    assert (float(parsed) if parsed is not None else None) == seconds


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("10", 10),
        ("-1.5", -1.5),
        ("1e3", 1000),
        (".5", 0.5),
        ("NaN", None),
        ("Infinity", None),
        ("1_000", None),
        (" 1", None),
    ],
)
def test_parse_number(text: str, number: float | None) -> None:
    parsed = parse_number(text)
    assert (float(parsed) if parsed is not None else None) == number


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("StringEquals", ("StringEquals", None, False)),
        ("StringEqualsIfExists", ("StringEquals", None, True)),
        ("ForAllValues:ArnLikeIfExists", ("ArnLike", "ForAllValues", True)),
        ("ForAnyValue:DateNotEquals", ("DateNotEquals", "ForAnyValue", False)),
        ("Null", ("Null", None, False)),
        ("ForAnyValue:Null", None),
        ("IfExists", None),
        ("StringEqualsIfExistsIfExists", None),
        ("ForSomeValues:StringEquals", None),
    ],
)
def test_parse_operator(name: str, parts: tuple[str, str | None, bool] | None) -> None:
    operator = parse_operator(name)
    assert (None if operator is None else (operator.base, operator.qualifier, operator.if_exists)) == parts
