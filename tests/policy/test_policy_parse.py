"""parse_policy: what it accepts, what it refuses, and IAM's exact words for each refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from twostep.policy.language import (
    Condition,
    ConditionOperator,
    MalformedPolicyDocument,
    PolicyTooLarge,
    Statement,
    parse_policy,
)

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
BUCKET = "arn:aws:s3:::example_bucket"


def stmt(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET} | fields


def doc(*statements: dict[str, Any], **top: Any) -> str:
    body: dict[str, Any] = {"Version": "2012-10-17", "Statement": list(statements)} | top
    return json.dumps(body)


def without(mapping: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in names}


REFUSED = [
    ("not JSON", "This is not a json document", SYNTAX),
    ("JSON but not an object", "[]", SYNTAX),
    ("NaN is not JSON", '{"Version": NaN}', SYNTAX),
    ("deep nesting", "[" * 3000 + "]" * 3000, SYNTAX),
    ("no Statement", json.dumps({"Version": "2012-10-17"}), SYNTAX),
    ("empty Statement list", doc(), SYNTAX),
    ("Statement holds a string", json.dumps({"Version": "2012-10-17", "Statement": ["afd"]}), SYNTAX),
    ("unknown top-level key", doc(stmt(), Extra="value"), SYNTAX),
    ("unknown statement key", doc(stmt(Extra="value")), SYNTAX),
    ("Id is not a string", doc(stmt(), Id=["x"]), SYNTAX),
    ("unknown Version", doc(stmt(), Version="2013-10-17"), SYNTAX),
    ("Version is a number", json.dumps({"Version": 2012, "Statement": stmt()}), SYNTAX),
    (
        "Principal in an identity policy",
        doc(stmt(Principal={"AWS": "*"})),
        "Policy document should not specify a principal.",
    ),
    (
        "NotPrincipal in an identity policy",
        doc(stmt(NotPrincipal="*")),
        "Policy document should not specify a principal.",
    ),
    ("Effect missing", doc(without(stmt(), "Effect")), SYNTAX),
    ("Effect not Allow/Deny", doc(stmt(Effect="invalid")), SYNTAX),
    ("Effect in the wrong case", doc(stmt(Effect="denY")), LEGACY),
    ("Action and NotAction", doc(stmt(NotAction="iam:GetUser")), SYNTAX),
    ("Resource and NotResource", doc(stmt(NotResource="*")), SYNTAX),
    ("neither Action nor NotAction", doc(without(stmt(), "Action")), "Policy statement must contain actions."),
    ("empty Action list", doc(stmt(Action=[])), "Policy statement must contain actions."),
    ("Action is an object", doc(stmt(Action={})), SYNTAX),
    ("Action list holds a list", doc(stmt(Action=[[]])), SYNTAX),
    ("Action is a number", doc(stmt(Action=3)), SYNTAX),
    (
        "action without a vendor",
        doc(stmt(Action="invalid")),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    ("action with two colons", doc(stmt(Action="s3:List:Bucket")), "Actions/Condition can contain only one colon."),
    ("vendor with a space", doc(stmt(Action="a a:ListBucket")), "Vendor a a is not valid"),
    ("no Resource", doc(without(stmt(), "Resource")), "Policy statement must contain resources."),
    ("empty Resource list", doc(stmt(Resource=[])), "Policy statement must contain resources."),
    ("Resource is an object", doc(stmt(Resource={"a": BUCKET})), SYNTAX),
    (
        "Resource not an ARN",
        doc(stmt(Resource="invalid resource")),
        'Resource invalid resource must be in ARN format or "*".',
    ),
    ("empty Resource", doc(stmt(Resource="")), 'Resource  must be in ARN format or "*".'),
    (
        "unknown partition",
        doc(stmt(Resource="arn:error:s3:::example_bucket")),
        'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
    ),
    (
        "no 'arn' and short",
        doc(stmt(Resource="a:b:cadfsdf")),
        'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
    ),
    (
        "only partition",
        doc(stmt(Resource="arn:aws")),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    ("five-component ARN", doc(stmt(Resource="arn:aws:s3::example_bucket")), LEGACY),
    ("ARN without service", doc(stmt(Resource="arn:aws::::example_bucket")), LEGACY),
    (
        "IAM ARN with a region",
        doc(stmt(Resource="arn:aws:iam:us-east-1::user/x")),
        "IAM resource arn:aws:iam:us-east-1::user/x cannot contain region information.",
    ),
    (
        "IAM ARN with an unknown path",
        doc(stmt(Resource="arn:aws:iam:::example_bucket")),
        'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, '
        "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
        "report/, access-report/.",
    ),
    ("Condition is a list", doc(stmt(Condition=[])), SYNTAX),
    ("Condition is a string", doc(stmt(Condition="a")), SYNTAX),
    ("operator block is a string", doc(stmt(Condition={"DateGreaterThan": "b"})), SYNTAX),
    ("condition value is an object", doc(stmt(Condition={"StringEquals": {"a:b": {}}})), SYNTAX),
    ("condition value is null", doc(stmt(Condition={"StringEquals": {"a:b": None}})), SYNTAX),
    ("unknown condition operator", doc(stmt(Condition={"StringEqualz": {"a:b": "1"}})), SYNTAX),
    ("operator names are case-sensitive", doc(stmt(Condition={"stringEquals": {"a:b": "1"}})), SYNTAX),
    ("doubled qualifier colon", doc(stmt(Condition={"ForAnyValue::StringEquals": {"a:b": "1"}})), SYNTAX),
    ("Null takes no IfExists", doc(stmt(Condition={"NullIfExists": {"a:b": "true"}})), SYNTAX),
    ("unreadable date", doc(stmt(Condition={"DateGreaterThan": {"a:b": "sdfdsf"}})), LEGACY),
    ("epoch beyond 64 bits", doc(stmt(Condition={"DateLessThan": {"a:b": "9223372036854775808"}})), LEGACY),
    ("Sid is not a string", doc(stmt(Sid={})), SYNTAX),
    ("duplicate Sid", doc(stmt(Sid="a"), stmt(Sid="a")), "Statement IDs (SID) in a single policy must be unique."),
]


@pytest.mark.parametrize(("text", "message"), [pytest.param(t, m, id=n) for n, t, m in REFUSED])
def test_refused_with_iams_message(text: str, message: str) -> None:
    with pytest.raises(MalformedPolicyDocument) as refused:
        parse_policy(text)
    assert refused.value.message == message
    assert str(refused.value) == message


ACCEPTED = [
    ("single statement object", json.dumps({"Version": "2012-10-17", "Statement": stmt()})),
    ("no Version (2008-10-17 rules)", json.dumps({"Statement": [stmt()]})),
    ("Version 2008-10-17", doc(stmt(), Version="2008-10-17")),
    ("Id", doc(stmt(), Id="my-policy")),
    ("Action star", doc(stmt(Action="*"))),
    ("odd but valid action name", doc(stmt(Action="iam: asdf safdsf af "))),
    (
        "NotAction with NotResource",
        doc(without(stmt(NotAction="s3:ListBucket", NotResource="*"), "Action", "Resource")),
    ),
    ("three-component ARN", doc(stmt(Resource="arn:aws:fdsasf"))),
    ("variable with a colon in an ARN", doc(stmt(Resource="arn:aws:iam::${aws:PrincipalAccount}:user/*"))),
    ("empty Condition", doc(stmt(Condition={}))),
    ("unknown operator testing no key", doc(stmt(Condition={"a": {}}))),
    ("empty value list", doc(stmt(Condition={"DateGreaterThan": {"a:b": []}}))),
    ("condition key without vendor", doc(stmt(Condition={"StringEqualsIfExists": {"a": "asf"}}))),
    ("qualified IfExists", doc(stmt(Condition={"ForAnyValue:StringEqualsIfExists": {"a:b": "x"}}))),
    ("negative epoch", doc(stmt(Condition={"DateLessThan": {"a:b": "-292275054"}}))),
    (
        "numbers and booleans as values",
        doc(stmt(Condition={"NumericLessThan": {"a:b": [1, 2.5]}, "Bool": {"c:d": True}})),
    ),
    ("Deny with NotResource list", doc(without(stmt(Effect="Deny"), "Resource") | {"NotResource": [BUCKET]})),
]


@pytest.mark.parametrize("text", [pytest.param(t, id=n) for n, t in ACCEPTED])
def test_accepted(text: str) -> None:
    assert parse_policy(text).statements


def test_typed_result_and_text_kept() -> None:
    text = doc(
        stmt(
            Sid="One",
            Action=["iam:ListUsers", "iam:GetUser"],
            Condition={
                "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", 3]},
                "Bool": {"aws:SecureTransport": True},
            },
        ),
        Id="p1",
    )
    document = parse_policy(text)
    assert document.text == text
    assert document.version == "2012-10-17"
    assert document.id == "p1"
    (statement,) = document.statements
    assert statement == Statement(
        sid="One",
        effect="Allow",
        actions=("iam:ListUsers", "iam:GetUser"),
        not_actions=None,
        resources=(BUCKET,),
        not_resources=None,
        conditions=(
            Condition(
                ConditionOperator("ForAnyValue:StringLikeIfExists", "StringLike", "ForAnyValue", True),
                "aws:TagKeys",
                ("a*", "3"),
            ),
            Condition(ConditionOperator("Bool", "Bool", None, False), "aws:SecureTransport", ("true",)),
        ),
    )


def test_missing_version_means_2008() -> None:
    assert parse_policy(json.dumps({"Statement": stmt()})).version == "2008-10-17"


def test_numbers_keep_their_text() -> None:
    text = doc(stmt(Condition={"NumericEquals": {"a:b": "NUMBERS"}})).replace(
        '"NUMBERS"', "[1e400, 123456789012345678901234567890]"
    )
    document = parse_policy(text)
    assert document.statements[0].conditions[0].values == ("1e400", "123456789012345678901234567890")


@pytest.mark.parametrize("version", [None, "2008-10-17"])
def test_managed_policies_need_the_current_version(version: str | None) -> None:
    body: dict[str, Any] = {"Statement": stmt()} | ({"Version": version} if version else {})
    with pytest.raises(MalformedPolicyDocument) as refused:
        parse_policy(json.dumps(body), require_current_version=True)
    assert refused.value.message == "Policy document must be version 2012-10-17 or greater."


def test_size_quota_ignores_white_space_and_is_a_parameter() -> None:
    compact = doc(stmt(Sid="x" * 100))
    size = sum(1 for char in compact if not char.isspace())
    padded = json.dumps(json.loads(compact), indent=40)
    assert parse_policy(padded, max_size=size).text == padded
    with pytest.raises(PolicyTooLarge) as refused:
        parse_policy(compact, max_size=size - 1)
    assert isinstance(refused.value, MalformedPolicyDocument)
    assert (refused.value.size, refused.value.limit) == (size, size - 1)
    assert refused.value.message == f"Cannot exceed quota for PolicySize: {size - 1}"


def test_default_quota_is_6144() -> None:
    big = doc(*(stmt(Sid=f"s{index}") for index in range(100)))
    with pytest.raises(PolicyTooLarge):
        parse_policy(big)
    assert parse_policy(big, max_size=None).statements
