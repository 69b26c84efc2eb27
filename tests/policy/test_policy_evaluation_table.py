"""(statements, request) -> Decision, one row per behaviour the IAM User Guide documents.

Rows are grouped: actions, resources, policy variables, each condition operator, IfExists, the set qualifiers,
how a Condition block combines, and how statements combine into a decision.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from twostep.policy.language import ContextValue, Decision, RequestContext, evaluate, parse_policy

ALLOW, IMPLICIT, EXPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    statements: list[dict[str, Any]],
    *,
    action: str = "iam:ListUsers",
    resource: str = "*",
    keys: dict[str, ContextValue] | None = None,
    version: str = "2012-10-17",
) -> Decision:
    document = parse_policy(json.dumps({"Version": version, "Statement": statements}))
    return evaluate([document], RequestContext(action, resource, keys or {}))


def case(
    name: str, statements: list[dict[str, Any]], expected: Decision, **request: Any
) -> Any:  # pytest's ParameterSet
    return pytest.param(statements, request, expected, id=name)


def when(name: str, condition: dict[str, Any], keys: dict[str, ContextValue], holds: bool) -> Any:
    """An Allow-everything statement guarded by ``condition``: ALLOW when it holds, else IMPLICIT_DENY."""
    return case(name, [allow(Condition=condition)], ALLOW if holds else IMPLICIT, keys=keys)


NOW = "2026-06-01T12:00:00Z"

ROWS = [
    # --- Action / NotAction: wildcards, case-insensitive ---
    case("action exact", [allow("iam:ListUsers")], ALLOW),
    case("action is case-insensitive", [allow("IAM:listusers")], ALLOW),
    case("action star suffix", [allow("iam:List*")], ALLOW),
    case("action star does not match other verbs", [allow("iam:List*")], IMPLICIT, action="iam:GetUser"),
    case("action star in the middle", [allow("s3:*Object")], ALLOW, action="s3:GetObject"),
    case("action question mark is one char", [allow("iam:ListUser?")], ALLOW),
    case("action question mark needs a char", [allow("iam:ListUsers?")], IMPLICIT),
    case("action star alone", [allow("*")], ALLOW, action="sts:GetCallerIdentity"),
    case("action other service", [allow("iam:*")], IMPLICIT, action="sts:GetCallerIdentity"),
    case("action in a list", [allow(["iam:GetUser", "iam:ListUsers"])], ALLOW),
    case(
        "NotAction list: unlisted action allowed",
        [{"Effect": "Allow", "NotAction": ["iam:GetUser", "iam:DeleteUser"], "Resource": "*"}],
        ALLOW,
    ),
    case(
        "NotAction: listed action not allowed",
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        IMPLICIT,
    ),
    case(
        "NotAction: other service allowed",
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        ALLOW,
        action="sts:GetSessionToken",
    ),
    case(
        "NotAction is case-insensitive",
        [{"Effect": "Allow", "NotAction": "IAM:LIST*", "Resource": "*"}],
        IMPLICIT,
    ),
    # --- Resource / NotResource: case-sensitive ARNs, wildcards span ':' and '/' ---
    case("resource exact", [allow(resource=ALICE)], ALLOW, resource=ALICE),
    case("resource is case-sensitive", [allow(resource=ALICE.replace("alice", "Alice"))], IMPLICIT, resource=ALICE),
    case("resource star", [allow(resource="*")], ALLOW, resource=ALICE),
    case("resource account wildcard", [allow(resource="arn:aws:iam::*:user/*")], ALLOW, resource=ALICE),
    case(
        "resource star spans ':' and '/'",
        [allow(resource=f"arn:aws:iam::{ACCOUNT}:*")],
        ALLOW,
        resource=f"arn:aws:iam::{ACCOUNT}:user/ops/alice",
    ),
    case("resource question mark", [allow(resource=f"arn:aws:iam::{ACCOUNT}:user/?ob")], ALLOW, resource=BOB),
    case("specific resource vs request '*'", [allow(resource=ALICE)], IMPLICIT, resource="*"),
    case(
        "NotResource: other resource allowed",
        [{"Effect": "Allow", "Action": "*", "NotResource": ALICE}],
        ALLOW,
        resource=BOB,
    ),
    case(
        "NotResource: listed resource not allowed",
        [{"Effect": "Allow", "Action": "*", "NotResource": ALICE}],
        IMPLICIT,
        resource=ALICE,
    ),
    case(
        "Deny NotResource guards everything else",
        [allow(), {"Effect": "Deny", "Action": "*", "NotResource": [ALICE]}],
        EXPLICIT,
        resource=BOB,
    ),
    # --- Policy variables ---
    case(
        "${aws:username} own resource",
        [allow(resource="arn:aws:iam::*:user/${aws:username}")],
        ALLOW,
        resource=ALICE,
        keys={"aws:username": "alice"},
    ),
    case(
        "${aws:username} other user's resource",
        [allow(resource="arn:aws:iam::*:user/${aws:username}")],
        IMPLICIT,
        resource=BOB,
        keys={"aws:username": "alice"},
    ),
    case(
        "${aws:username} with the key absent matches nothing",
        [allow(resource="arn:aws:iam::*:user/${aws:username}")],
        IMPLICIT,
        resource=ALICE,
    ),
    case(
        "variable names are case-insensitive",
        [allow(resource="arn:aws:iam::*:user/${AWS:UserName}")],
        ALLOW,
        resource=ALICE,
        keys={"aws:username": "alice"},
    ),
    case(
        "${aws:PrincipalAccount} in the account field",
        [allow(resource="arn:aws:iam::${aws:PrincipalAccount}:user/*")],
        ALLOW,
        resource=ALICE,
        keys={"aws:PrincipalAccount": ACCOUNT},
    ),
    case(
        "${aws:PrincipalAccount} other account",
        [allow(resource="arn:aws:iam::${aws:PrincipalAccount}:user/*")],
        IMPLICIT,
        resource="arn:aws:iam::999999999999:user/alice",
        keys={"aws:PrincipalAccount": ACCOUNT},
    ),
    case(
        "default value when the key is absent",
        [allow(resource="arn:aws:iam::*:user/${aws:username, 'alice'}")],
        ALLOW,
        resource=ALICE,
    ),
    case(
        "version 2008-10-17 keeps variables literal",
        [allow(resource="arn:aws:iam::*:user/${aws:username}")],
        IMPLICIT,
        resource=ALICE,
        keys={"aws:username": "alice"},
        version="2008-10-17",
    ),
    case(
        "version 2008-10-17 literal text matches itself",
        [allow(resource="arn:aws:iam::*:user/${aws:username}")],
        ALLOW,
        resource="arn:aws:iam::1:user/${aws:username}",
        version="2008-10-17",
    ),
    case("${*} is a literal star", [allow(resource="arn:aws:s3:::b/${*}")], ALLOW, resource="arn:aws:s3:::b/*"),
    case("${*} is not a wildcard", [allow(resource="arn:aws:s3:::b/${*}")], IMPLICIT, resource="arn:aws:s3:::b/x"),
    case("${?} is a literal '?'", [allow(resource="arn:aws:s3:::b/${?}")], IMPLICIT, resource="arn:aws:s3:::b/x"),
    case("${$} is a literal '$'", [allow(resource="arn:aws:s3:::b/${$}")], ALLOW, resource="arn:aws:s3:::b/$"),
    case(
        "a substituted '*' is literal",
        [allow(resource="arn:aws:iam::*:user/${aws:PrincipalTag/team}")],
        IMPLICIT,
        resource=ALICE,
        keys={"aws:PrincipalTag/team": "*"},
    ),
    case(
        "a multivalued key is no variable",
        [allow(resource="arn:aws:iam::*:user/${aws:TagKeys}")],
        IMPLICIT,
        resource=ALICE,
        keys={"aws:TagKeys": ["alice", "bob"]},
    ),
    when(
        "variable in StringEquals",
        {"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}},
        {"aws:PrincipalTag/owner": "alice", "aws:username": "alice"},
        True,
    ),
    when(
        "variable plus wildcard in StringLike",
        {"StringLike": {"s3:prefix": "home/${aws:userid}/*"}},
        {"s3:prefix": "home/AIDAEXAMPLE/docs/a.txt", "aws:userid": "AIDAEXAMPLE"},
        True,
    ),
    when(
        "variable with absent key in a condition value",
        {"StringEquals": {"s3:prefix": "home/${aws:userid}"}},
        {"s3:prefix": "home/"},
        False,
    ),
    when(
        "no variables in Numeric values",
        {"NumericEquals": {"aws:MultiFactorAuthAge": "${aws:MultiFactorAuthAge}"}},
        {"aws:MultiFactorAuthAge": 5},
        False,
    ),
    # --- String operators ---
    when("StringEquals", {"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, True),
    when(
        "StringEquals is case-sensitive", {"StringEquals": {"aws:username": "Alice"}}, {"aws:username": "alice"}, False
    ),
    when(
        "StringEquals ORs values", {"StringEquals": {"aws:username": ["bob", "alice"]}}, {"aws:username": "alice"}, True
    ),
    when("StringEquals absent key", {"StringEquals": {"aws:username": "alice"}}, {}, False),
    when("StringEquals has no wildcards", {"StringEquals": {"aws:username": "a*"}}, {"aws:username": "alice"}, False),
    when("StringNotEquals differs", {"StringNotEquals": {"aws:username": "bob"}}, {"aws:username": "alice"}, True),
    when("StringNotEquals same", {"StringNotEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, False),
    when("StringNotEquals absent key is true", {"StringNotEquals": {"aws:username": "alice"}}, {}, True),
    when(
        "StringNotEquals NORs values",
        {"StringNotEquals": {"aws:username": ["bob", "alice"]}},
        {"aws:username": "alice"},
        False,
    ),
    when(
        "StringEqualsIgnoreCase",
        {"StringEqualsIgnoreCase": {"aws:username": "ALICE"}},
        {"aws:username": "alice"},
        True,
    ),
    when(
        "StringNotEqualsIgnoreCase",
        {"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}},
        {"aws:username": "alice"},
        False,
    ),
    when("StringLike star", {"StringLike": {"aws:username": "al*"}}, {"aws:username": "alice"}, True),
    when("StringLike question mark", {"StringLike": {"aws:username": "b?b"}}, {"aws:username": "bob"}, True),
    when("StringLike is case-sensitive", {"StringLike": {"aws:username": "AL*"}}, {"aws:username": "alice"}, False),
    when(
        "StringLike without wildcard is exact",
        {"StringLike": {"aws:username": "ali"}},
        {"aws:username": "alice"},
        False,
    ),
    when("StringNotLike matching value", {"StringNotLike": {"aws:username": "al*"}}, {"aws:username": "alice"}, False),
    when("StringNotLike other value", {"StringNotLike": {"aws:username": "al*"}}, {"aws:username": "bob"}, True),
    when("StringNotLike absent key is true", {"StringNotLike": {"aws:username": "al*"}}, {}, True),
    # --- Numeric operators ---
    when("NumericEquals", {"NumericEquals": {"s:n": "10"}}, {"s:n": 10}, True),
    when("NumericEquals decimal", {"NumericEquals": {"s:n": "1.50"}}, {"s:n": 1.5}, True),
    when("NumericEquals JSON number value", {"NumericEquals": {"s:n": 10}}, {"s:n": "10"}, True),
    when("NumericNotEquals", {"NumericNotEquals": {"s:n": "10"}}, {"s:n": 11}, True),
    when("NumericNotEquals equal", {"NumericNotEquals": {"s:n": "10"}}, {"s:n": 10}, False),
    when("NumericNotEquals absent key is true", {"NumericNotEquals": {"s:n": "10"}}, {}, True),
    when(
        "NumericLessThan",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"aws:MultiFactorAuthAge": 100},
        True,
    ),
    when(
        "NumericLessThan too old",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"aws:MultiFactorAuthAge": 7200},
        False,
    ),
    when(
        "NumericLessThan absent key (no MFA) is false",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {},
        False,
    ),
    when("NumericLessThanEquals boundary", {"NumericLessThanEquals": {"s:n": "10"}}, {"s:n": 10}, True),
    when("NumericGreaterThan", {"NumericGreaterThan": {"s:n": "10"}}, {"s:n": 10}, False),
    when("NumericGreaterThanEquals boundary", {"NumericGreaterThanEquals": {"s:n": "10"}}, {"s:n": 10}, True),
    when("Numeric: unparseable policy value", {"NumericLessThan": {"s:n": "ten"}}, {"s:n": 1}, False),
    when("Numeric: unparseable request value", {"NumericLessThan": {"s:n": "10"}}, {"s:n": "one"}, False),
    when("NumericNotEquals: unparseable is not 'different'", {"NumericNotEquals": {"s:n": "10"}}, {"s:n": "x"}, False),
    # --- Date operators: ISO 8601 or epoch seconds on either side ---
    when("DateLessThan", {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": NOW}, True),
    when(
        "DateLessThan past",
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": NOW},
        False,
    ),
    when(
        "DateGreaterThan epoch policy value",
        {"DateGreaterThan": {"aws:CurrentTime": "0"}},
        {"aws:CurrentTime": NOW},
        True,
    ),
    when(
        "DateEquals ISO policy, epoch request",
        {"DateEquals": {"aws:EpochTime": "1970-01-02T00:00:00Z"}},
        {"aws:EpochTime": 86400},
        True,
    ),
    when(
        "DateNotEquals", {"DateNotEquals": {"aws:CurrentTime": NOW}}, {"aws:CurrentTime": "2026-06-01T12:00:01Z"}, True
    ),
    when(
        "DateLessThanEquals boundary", {"DateLessThanEquals": {"aws:CurrentTime": NOW}}, {"aws:CurrentTime": NOW}, True
    ),
    when(
        "DateGreaterThanEquals with offsets",
        {"DateGreaterThanEquals": {"aws:CurrentTime": "2026-06-01T14:00:00+02:00"}},
        {"aws:CurrentTime": NOW},
        True,
    ),
    when(
        "Date: date without time",
        {"DateGreaterThan": {"aws:CurrentTime": "2026-06-01"}},
        {"aws:CurrentTime": NOW},
        True,
    ),
    when(
        "Date: unparseable request value",
        {"DateLessThan": {"aws:CurrentTime": NOW}},
        {"aws:CurrentTime": "soon"},
        False,
    ),
    # --- Bool ---
    when("Bool true", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
    when("Bool is case-insensitive", {"Bool": {"aws:SecureTransport": "TRUE"}}, {"aws:SecureTransport": True}, True),
    when("Bool mismatch", {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
    when(
        "Bool string request value", {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "False"}, True
    ),
    when("Bool JSON boolean value", {"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": True}, True),
    when("Bool absent key", {"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    when("Bool non-boolean value", {"Bool": {"aws:SecureTransport": "yes"}}, {"aws:SecureTransport": True}, False),
    # --- BinaryEquals: base64 ---
    when("BinaryEquals", {"BinaryEquals": {"s:blob": "QmluYXJ5"}}, {"s:blob": "QmluYXJ5"}, True),
    when("BinaryEquals mismatch", {"BinaryEquals": {"s:blob": "QmluYXJ5"}}, {"s:blob": "T3RoZXI="}, False),
    when("BinaryEquals invalid base64", {"BinaryEquals": {"s:blob": "QmluYXJ5"}}, {"s:blob": "!!"}, False),
    # --- IP address ---
    when("IpAddress in CIDR", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    when(
        "IpAddress outside CIDR",
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "198.51.100.7"},
        False,
    ),
    when(
        "IpAddress single address",
        {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
        {"aws:SourceIp": "203.0.113.7"},
        True,
    ),
    when("IpAddress IPv6", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, True),
    when(
        "IpAddress IPv4 vs IPv6 range",
        {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}},
        {"aws:SourceIp": "10.0.0.1"},
        False,
    ),
    when(
        "IpAddress invalid request value",
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"aws:SourceIp": "nope"},
        False,
    ),
    when("NotIpAddress inside", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, False),
    when("NotIpAddress outside", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "192.0.2.1"}, True),
    when("NotIpAddress absent key is true", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True),
    # --- ARN operators: per-component, case-sensitive ---
    when("ArnEquals", {"ArnEquals": {"aws:PrincipalArn": ALICE}}, {"aws:PrincipalArn": ALICE}, True),
    when(
        "ArnLike account wildcard",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}},
        {"aws:PrincipalArn": ALICE},
        True,
    ),
    when(
        "ArnEquals accepts wildcards too",
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}},
        {"aws:PrincipalArn": ALICE},
        True,
    ),
    when(
        "ArnLike wildcard stays inside its component",
        {"ArnLike": {"aws:PrincipalArn": f"arn:*:iam::{ACCOUNT}:user/alice"}},
        {"aws:PrincipalArn": f"arn:aws:sts:iam::{ACCOUNT}:user/alice"},
        False,
    ),
    when(
        "ArnLike resource component may hold colons",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:logs:*:*:log-group:*"}},
        {"aws:PrincipalArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:log-stream:x"},
        True,
    ),
    when(
        "ArnLike is case-sensitive",
        {"ArnLike": {"aws:PrincipalArn": ALICE.upper()}},
        {"aws:PrincipalArn": ALICE},
        False,
    ),
    when("ArnNotEquals", {"ArnNotEquals": {"aws:PrincipalArn": BOB}}, {"aws:PrincipalArn": ALICE}, True),
    when(
        "ArnNotLike matching",
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}},
        {"aws:PrincipalArn": ALICE},
        False,
    ),
    when("ArnNotLike absent key is true", {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}, {}, True),
    when(
        "ArnLike with a variable",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:user/*"}},
        {"aws:PrincipalArn": ALICE, "aws:PrincipalAccount": ACCOUNT},
        True,
    ),
    # --- Null ---
    when("Null true, key absent", {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    when("Null true, key present", {"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": NOW}, False),
    when("Null false, key present", {"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": NOW}, True),
    when("Null false, key absent", {"Null": {"aws:TokenIssueTime": "false"}}, {}, False),
    when("Null: an empty list is no value", {"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": []}, True),
    # --- ...IfExists ---
    when("BoolIfExists absent key is true", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {}, True),
    when(
        "BoolIfExists present key is tested",
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"aws:MultiFactorAuthPresent": True},
        False,
    ),
    when(
        "StringEqualsIfExists present mismatch",
        {"StringEqualsIfExists": {"aws:username": "bob"}},
        {"aws:username": "alice"},
        False,
    ),
    when("NumericLessThanIfExists absent key", {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "60"}}, {}, True),
    when("StringNotLikeIfExists absent key", {"StringNotLikeIfExists": {"aws:username": "a*"}}, {}, True),
    # --- ForAnyValue / ForAllValues ---
    when(
        "ForAnyValue one matches",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        {"aws:TagKeys": ["b", "z"]},
        True,
    ),
    when(
        "ForAnyValue none match",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        {"aws:TagKeys": ["y", "z"]},
        False,
    ),
    when("ForAnyValue absent key is false", {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, {}, False),
    when(
        "ForAnyValue empty key is false", {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": []}, False
    ),
    when("ForAnyValue negated, absent key is false", {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}}, {}, False),
    when(
        "ForAnyValue negated, one differs",
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}},
        {"aws:TagKeys": ["a", "b"]},
        True,
    ),
    when("ForAnyValue...IfExists absent key", {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "a*"}}, {}, True),
    when(
        "ForAllValues all in",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        {"aws:TagKeys": ["a", "b"]},
        True,
    ),
    when(
        "ForAllValues one outside",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        {"aws:TagKeys": ["a", "c"]},
        False,
    ),
    when("ForAllValues absent key is true", {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}, {}, True),
    when(
        "ForAllValues empty key is true", {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": []}, True
    ),
    when(
        "ForAllValues:StringNotLike (guide) key1:legal",
        {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
        {"aws:TagKeys": ["key1:legal"]},
        False,
    ),
    when(
        "ForAllValues:StringNotLike (guide) key2:audit",
        {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
        {"aws:TagKeys": ["key2:audit"]},
        True,
    ),
    when(
        "ForAllValues:StringNotLike (guide) absent", {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, {}, True
    ),
    when(
        "ForAllValues:NumericLessThan",
        {"ForAllValues:NumericLessThan": {"s:sizes": "10"}},
        {"s:sizes": ["1", "9"]},
        True,
    ),
    when(
        "plain operator on a multivalued key: any",
        {"StringEquals": {"aws:TagKeys": "b"}},
        {"aws:TagKeys": ["a", "b"]},
        True,
    ),
    when(
        "plain negated operator on a multivalued key: none",
        {"StringNotEquals": {"aws:TagKeys": "b"}},
        {"aws:TagKeys": ["a", "b"]},
        False,
    ),
    # --- A Condition block: AND across operators and keys, OR across values ---
    when(
        "AND across operators",
        {"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}},
        {"aws:username": "alice", "aws:SecureTransport": False},
        False,
    ),
    when(
        "AND across keys of one operator",
        {"StringEquals": {"aws:username": "alice", "aws:PrincipalAccount": ACCOUNT}},
        {"aws:username": "alice", "aws:PrincipalAccount": "999999999999"},
        False,
    ),
    when(
        "all conditions hold",
        {"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}},
        {"aws:username": "alice", "aws:SecureTransport": True},
        True,
    ),
    when(
        "condition key names are case-insensitive",
        {"StringEquals": {"AWS:UserName": "alice"}},
        {"aws:username": "alice"},
        True,
    ),
    when("empty Condition block", {}, {}, True),
    # --- Decisions across statements and policies ---
    case("explicit Deny beats Allow", [allow(), deny("iam:ListUsers")], EXPLICIT),
    case("Deny order does not matter", [deny("iam:List*"), allow()], EXPLICIT),
    case("Deny of another action", [allow(), deny("iam:DeleteUser")], ALLOW),
    case("nothing applies", [allow("iam:GetUser")], IMPLICIT),
    case(
        "Deny whose condition is false",
        [allow(), deny(Condition={"Bool": {"aws:SecureTransport": "false"}})],
        ALLOW,
        keys={"aws:SecureTransport": True},
    ),
    # --- The "force MFA" deny: BoolIfExists aws:MultiFactorAuthPresent false ---
    *[
        case(
            f"force-MFA deny: {label}",
            [
                allow(),
                {
                    "Effect": "Deny",
                    "NotAction": ["iam:ListMFADevices", "sts:GetSessionToken"],
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                },
            ],
            expected,
            keys=keys,
        )
        for label, keys, expected in [
            ("long-term key (key absent) denied", {}, EXPLICIT),
            ("session without MFA denied", {"aws:MultiFactorAuthPresent": False}, EXPLICIT),
            ("session with MFA allowed", {"aws:MultiFactorAuthPresent": True}, ALLOW),
        ]
    ],
]


@pytest.mark.parametrize(("statements", "request_", "expected"), ROWS)
def test_decision(statements: list[dict[str, Any]], request_: dict[str, Any], expected: Decision) -> None:
    assert decide(statements, **request_) is expected


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 80
