"""Properties of IAM's evaluation logic and of the parser, over generated policies and requests.

IAM User Guide, "Policy evaluation logic": an explicit Deny cannot be overridden by any Allow, and a request
that no statement covers is implicitly denied. The parser has one way to fail: MalformedPolicyDocument.
"""

from __future__ import annotations

import itertools
import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.policy.language import (
    ContextValue,
    Decision,
    MalformedPolicyDocument,
    PolicyDocument,
    RequestContext,
    evaluate,
    parse_policy,
    statement_applies,
)

ACTIONS = ["iam:ListUsers", "iam:GetUser", "iam:EnableMFADevice", "sts:GetSessionToken", "s3:GetObject"]
ACTION_PATTERNS = [*ACTIONS, "*", "iam:*", "iam:List*", "IAM:listusers", "iam:?etUser", "s3:*Object", "sts:*"]
RESOURCES = ["*", "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob"]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::${aws:PrincipalAccount}:user/?ob",
]
CONDITIONS: list[dict[str, Any]] = [
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"StringEquals": {"aws:username": ["alice", "${aws:username}"]}},
    {"StringNotLike": {"aws:username": "b*"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}},
    {"Null": {"aws:TokenIssueTime": "true"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}},
]

context_values: st.SearchStrategy[ContextValue] = st.one_of(
    st.text(max_size=12),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(["true", "false", "10.1.2.3", "2026-01-01T00:00:00Z", "42", "alice", "bob"]),
    st.lists(st.sampled_from(["a", "b", "c", "alice"]), max_size=3),
)
context_keys = st.dictionaries(
    st.sampled_from(
        [
            "aws:MultiFactorAuthPresent",
            "aws:MultiFactorAuthAge",
            "aws:username",
            "AWS:UserName",
            "aws:SourceIp",
            "aws:CurrentTime",
            "aws:TagKeys",
            "aws:TokenIssueTime",
            "aws:PrincipalArn",
            "aws:PrincipalAccount",
        ]
    ),
    context_values,
    max_size=6,
)
requests = st.builds(RequestContext, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), context_keys)


def statements(effect: str) -> st.SearchStrategy[dict[str, Any]]:
    action_key = st.sampled_from(["Action", "NotAction"])
    resource_key = st.sampled_from(["Resource", "NotResource"])
    return st.builds(
        lambda a_key, actions, r_key, resources, conditions: {
            "Effect": effect,
            a_key: actions,
            r_key: resources,
            "Condition": {name: block for condition in conditions for name, block in condition.items()},
        },
        action_key,
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3),
        resource_key,
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3),
        st.lists(st.sampled_from(CONDITIONS), max_size=2),
    )


def policy(statement_list: list[dict[str, Any]], version: str = "2012-10-17") -> PolicyDocument:
    return parse_policy(json.dumps({"Version": version, "Statement": statement_list}), max_size=None)


def split(statement_list: list[dict[str, Any]], cuts: list[int]) -> list[PolicyDocument]:
    """Spread the statements over several documents: where a statement sits must not matter."""
    bounds = sorted({0, len(statement_list), *(cut % (len(statement_list) + 1) for cut in cuts)})
    chunks = [statement_list[start:end] for start, end in itertools.pairwise(bounds)]
    return [policy(chunk) for chunk in chunks if chunk]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    request=requests,
    allows=st.lists(statements("Allow"), max_size=8),
    position=st.integers(min_value=0),
    cuts=st.lists(st.integers(min_value=0), max_size=3),
)
def test_a_matching_deny_is_never_overridden(
    request: RequestContext, allows: list[dict[str, Any]], position: int, cuts: list[int]
) -> None:
    matching_deny = {"Effect": "Deny", "Action": request.action, "Resource": "*"}
    statement_list = list(allows)
    statement_list.insert(position % (len(allows) + 1), matching_deny)
    assert evaluate(split(statement_list, cuts), request) is Decision.EXPLICIT_DENY


@settings(max_examples=300)
@given(
    request=requests,
    allows=st.lists(statements("Allow"), max_size=6),
    denies=st.lists(statements("Deny"), max_size=6),
)
def test_no_applicable_statement_is_an_implicit_deny(
    request: RequestContext, allows: list[dict[str, Any]], denies: list[dict[str, Any]]
) -> None:
    # Point every statement at a service the request is not for.
    for statement in allows + denies:
        statement.pop("NotAction", None)
        statement["Action"] = ["ec2:*", "lambda:Invoke*"]
    assert evaluate([policy(allows + denies)] if allows + denies else [], request) is Decision.IMPLICIT_DENY


@settings(max_examples=300)
@given(
    request=requests,
    allows=st.lists(statements("Allow"), max_size=5),
    denies=st.lists(statements("Deny"), max_size=5),
)
def test_decision_follows_the_evaluation_logic(
    request: RequestContext, allows: list[dict[str, Any]], denies: list[dict[str, Any]]
) -> None:
    documents = [policy(allows + denies)] if allows + denies else []
    applicable = [s for d in documents for s in d.statements if statement_applies(s, request)]
    if any(s.effect == "Deny" for s in applicable):
        expected = Decision.EXPLICIT_DENY
    elif applicable:
        expected = Decision.ALLOW
    else:
        expected = Decision.IMPLICIT_DENY
    assert evaluate(documents, request) is expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)
VOCABULARY = [
    "2012-10-17",
    "2008-10-17",
    "Allow",
    "Deny",
    "allow",
    "*",
    "iam:*",
    "iam:List:Users",
    "iam",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::${aws:PrincipalAccount}:user/x",
    "arn:aws:s3::x",
    "arn:error:s3:::b",
    "arn:aws",
    "a:b",
    "${",
    "${*}",
    "${aws:username, 'it''s'}",
    "2026-01-01T00:00:00Z",
    "1e999999",
    "10.0.0.0/8",
    "::1/129",
    "QmluYXJ5",
    "true",
]
OPERATOR_NAMES = [
    "StringEquals",
    "StringNotLikeIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:NumericLessThan",
    "DateGreaterThan",
    "Bool",
    "BinaryEquals",
    "NotIpAddress",
    "ArnLike",
    "Null",
    "NullIfExists",
    "stringEquals",
    "Bogus",
]
words = st.sampled_from(VOCABULARY) | st.text(alphabet=string.printable, max_size=12)
field_values = words | st.lists(words, max_size=3) | json_values
condition_blocks = st.dictionaries(
    st.sampled_from(OPERATOR_NAMES),
    st.dictionaries(
        st.sampled_from(["aws:username", "aws:SourceIp", "aws:CurrentTime", "a:b"]), field_values, max_size=2
    ),
    max_size=3,
)
FIELDS = ["Version", "Id", "Statement", "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"]
mutations = st.lists(
    st.tuples(st.sampled_from([*FIELDS, "Condition", "Principal", "Extra"]), st.none() | field_values),
    max_size=2,
)


@st.composite
def nearly_valid_policies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with up to two fields replaced or removed, to reach every check of the parser."""
    statement_list = draw(st.lists(statements("Allow") | statements("Deny"), min_size=1, max_size=3))
    for statement in statement_list:
        statement["Condition"] = draw(condition_blocks)
    document: dict[str, Any] = {"Version": "2012-10-17", "Statement": statement_list}
    for name, value in draw(mutations):
        target = document if name in ("Version", "Id", "Statement", "Extra") else draw(st.sampled_from(statement_list))
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return document


def parse_and_use(text: str) -> None:
    """Parsing either succeeds or raises MalformedPolicyDocument; a parsed policy can always be evaluated."""
    try:
        document = parse_policy(text)
    except MalformedPolicyDocument as refused:
        assert refused.message
        return
    for action in ("iam:ListUsers", "s3:GetObject"):
        context = RequestContext(action, "arn:aws:iam::1:user/x", {"aws:username": "x", "aws:SourceIp": "10.1.1.1"})
        assert evaluate([document], context) in Decision


@settings(max_examples=500)
@given(st.text())
def test_parse_any_text(text: str) -> None:
    parse_and_use(text)


@settings(max_examples=500)
@given(json_values)
def test_parse_any_json(value: Any) -> None:
    parse_and_use(json.dumps(value))


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(nearly_valid_policies())
def test_parse_nearly_valid_policies(value: dict[str, Any]) -> None:
    parse_and_use(json.dumps(value))


@settings(max_examples=300)
@given(
    st.lists(statements("Allow") | statements("Deny"), min_size=1, max_size=4),
    requests,
    st.sampled_from(["2012-10-17", "2008-10-17"]),
)
def test_generated_policies_parse_and_evaluate(
    statement_list: list[dict[str, Any]], request: RequestContext, version: str
) -> None:
    assert evaluate([policy(statement_list, version)], request) in Decision
