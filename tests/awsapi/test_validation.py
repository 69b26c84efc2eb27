"""Server-side input constraints, with AWS's ValidationError message forms."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.protocol.model import ServiceModel, java_regex, load_service_model
from twostep.awsapi.protocol.validation import validate_parameters

IAM = load_service_model("iam")
STS = load_service_model("sts")
TAG_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]"


def message(service: ServiceModel, action: str, params: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        validate_parameters(service, action, params)
    error = caught.value
    assert (error.code, error.status, error.sender_fault) == ("ValidationError", 400, True)
    return error.message


def test_integer_maximum_matches_the_documented_sts_message() -> None:
    assert message(STS, "GetSessionToken", {"DurationSeconds": 200000}) == (
        "1 validation error detected: Value '200000' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 129600"
    )


def test_integer_minimum() -> None:
    assert message(IAM, "ListVirtualMFADevices", {"MaxItems": 0}) == (
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_required_member_missing() -> None:
    assert message(IAM, "CreateUser", {}) == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    )


def test_pattern_must_match_the_whole_value() -> None:
    assert message(IAM, "CreateUser", {"UserName": "a b"}) == (
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )
    # Java's \w is ASCII-only; '$' must not let a trailing newline through.
    for name in ("josé", "alice\n"):
        assert "regular expression pattern" in message(IAM, "CreateUser", {"UserName": name})


def test_length_maximum_and_minimum() -> None:
    long_name = "a" * 65
    assert message(IAM, "CreateUser", {"UserName": long_name}) == (
        f"1 validation error detected: Value '{long_name}' at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )
    assert message(IAM, "EnableMFADevice", _enable(AuthenticationCode1="12345")) == (
        "1 validation error detected: Value '12345' at 'authenticationCode1' failed to satisfy constraint: "
        "Member must have length greater than or equal to 6"
    )


def test_enum() -> None:
    assert message(IAM, "ListVirtualMFADevices", {"AssignmentStatus": "Some"}) == (
        "1 validation error detected: Value 'Some' at 'assignmentStatus' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Assigned, Unassigned, Any]"
    )


def test_every_violation_is_listed_in_order() -> None:
    bad = "x y" * 30
    assert message(IAM, "CreateUser", {"UserName": bad, "Path": "nope"}) == (
        "3 validation errors detected: "
        "Value 'nope' at 'path' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); "
        f"Value '{bad}' at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64; "
        f"Value '{bad}' at 'userName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_empty_value_breaks_length_and_pattern() -> None:
    assert message(IAM, "GetUser", {"UserName": ""}) == (
        "2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_sensitive_values_are_not_echoed() -> None:
    assert message(IAM, "CreateLoginProfile", {"UserName": "bob", "Password": "x" * 129}) == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_nested_structures_in_lists() -> None:
    params = {"UserName": "bob", "Tags": [{"Key": "ok", "Value": "fine"}, {"Key": "#bad", "Value": "v"}, {"Key": "k"}]}
    assert message(IAM, "CreateUser", params) == (
        "2 validation errors detected: "
        f"Value '#bad' at 'tags.2.member.key' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {TAG_PATTERN}+; "
        "Value null at 'tags.3.member.value' failed to satisfy constraint: Member must not be null"
    )


def test_list_length_comes_before_its_elements() -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)] + [{"Key": "bad#", "Value": "v"}]
    assert message(IAM, "TagMFADevice", {"SerialNumber": "arn:aws:iam::1:mfa/abc", "Tags": tags}) == (
        "2 validation errors detected: "
        "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50; "
        "Value 'bad#' at 'tags.51.member.key' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {TAG_PATTERN}+"
    )


def test_a_list_of_strings_reports_one_violation() -> None:
    params = {"SerialNumber": "arn:aws:iam::1:mfa/abc", "TagKeys": ["ok", "", "bad#", "k" * 129]}
    assert message(IAM, "UntagMFADevice", params) == (
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        f"Member must satisfy regular expression pattern: {TAG_PATTERN}+, Member must not be null]"
    )


def test_map_keys() -> None:
    assert message(IAM, "PutAccountProperties", {"Properties": {"9lives": "x"}}) == (
        "1 validation error detected: Value at 'properties' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length less than or equal to 50, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: ^[A-Za-z][A-Za-z0-9/_-]*$]"
    )


def _enable(**override: str) -> dict[str, Any]:
    params = {
        "UserName": "alice",
        "SerialNumber": "arn:aws:iam::123456789012:mfa/alice-phone",
        "AuthenticationCode1": "123456",
        "AuthenticationCode2": "234567",
    }
    params.update(override)
    return params


@pytest.mark.parametrize(
    ("service", "action", "params"),
    [
        (IAM, "EnableMFADevice", _enable()),
        (IAM, "CreateVirtualMFADevice", {"VirtualMFADeviceName": "alice-phone", "Path": "/ops/"}),
        (
            IAM,
            "CreateUser",
            {
                "UserName": "alice.smith@example.com",
                "Tags": [{"Key": "ключ", "Value": ""}, {"Key": "a b", "Value": "٣ é"}],
            },
        ),
        (IAM, "ListVirtualMFADevices", {"AssignmentStatus": "Any", "MaxItems": 1000}),
        (IAM, "UntagMFADevice", {"SerialNumber": "GAHT12345678", "TagKeys": ["team", "cost center"]}),
        (IAM, "GetAccountSummary", {}),
        (IAM, "ListMFADevices", {}),
        (
            STS,
            "GetSessionToken",
            {"DurationSeconds": 900, "SerialNumber": "arn:aws:iam::1:mfa/a", "TokenCode": "000000"},
        ),
        (STS, "GetCallerIdentity", {}),
    ],
)
def test_valid_inputs_pass(service: ServiceModel, action: str, params: dict[str, Any]) -> None:
    validate_parameters(service, action, params)


def test_unknown_action() -> None:
    with pytest.raises(ApiError) as caught:
        validate_parameters(IAM, "Nope", {})
    assert caught.value.code == "InvalidAction"


def test_every_model_pattern_compiles_cleanly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for service in (IAM, STS):
            for action in service.operation_names:
                for top in (service.input_shape(action), service.output_shape(action)):
                    for shape in top.walk() if top else ():
                        if shape.pattern is not None:
                            java_regex(shape.pattern)


def test_java_regex_translation() -> None:
    tag = java_regex(TAG_PATTERN + "+")
    for good in ("ключ", "a b", "x_.:/=+-@", "٣", "中文", "\u00a0nbsp", "é"):
        assert tag.fullmatch(good), good
    for bad in ("#", "a\tb", "emoji😀", "new\nline"):
        assert not tag.fullmatch(bad), bad
    assert java_regex(r"\p{Lu}+").fullmatch("ÉA") and not java_regex(r"\p{Lu}+").fullmatch("a")
    assert java_regex(r"\P{N}+").fullmatch("abc") and not java_regex(r"\P{N}").fullmatch("5")
    assert java_regex(r"[\p{ASCII}]+").fullmatch("~") and not java_regex(r"\p{ASCII}").fullmatch("é")
    assert java_regex(r"[\w+=/:,.@-]+").fullmatch("arn:aws:iam::123456789012:mfa/alice")
    assert java_regex(r"[]a]+").fullmatch("]a]")
    for unsupported in (r"[a-z&&[^e]]", r"[a[b]]", r"\p{Nope}", r"[\P{L}]"):
        with pytest.raises(ValueError):
            java_regex(unsupported)
    assert isinstance(java_regex("x"), re.Pattern)
