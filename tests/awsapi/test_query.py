"""Query-protocol decoding, with botocore's own QuerySerializer as the oracle."""

from __future__ import annotations

import string
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import botocore.loaders
import botocore.model
import botocore.serialize
import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.protocol.model import ServiceModel, ServiceName, load_service_model
from twostep.awsapi.protocol.query import parse_parameters

_BC = {
    name: botocore.model.ServiceModel(botocore.loaders.Loader().load_service_model(name, "service-2"), name)
    for name in ("iam", "sts")
}


def wire(bc_model: Any, action: str, params: dict[str, Any], validate: bool = True) -> list[tuple[str, str]]:
    """What boto3 puts on the wire for ``params``, url-decoded back into ordered pairs."""
    serializer = botocore.serialize.create_serializer("query", include_validation=validate)
    request = serializer.serialize_to_request(params, bc_model.operation_model(action))
    body = AWSRequest(method="POST", url="https://iam.example/", data=request["body"]).prepare().body
    text = body.decode() if isinstance(body, bytes) else body
    return urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))


def roundtrip(service: ServiceName, action: str, params: dict[str, Any], validate: bool = True) -> dict[str, Any]:
    pairs = wire(_BC[service], action, params, validate)
    assert ("Action", action) in pairs
    return parse_parameters(load_service_model(service), action, pairs)


CASES: list[tuple[ServiceName, str, dict[str, Any]]] = [
    (
        "iam",
        "CreateVirtualMFADevice",
        {
            "Path": "/ops/team/",
            "VirtualMFADeviceName": "alice-phone",
            "Tags": [{"Key": "team", "Value": "ops & dev"}, {"Key": "empty", "Value": ""}],
        },
    ),
    ("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": "bob"}),
    (
        "iam",
        "TagMFADevice",
        {"SerialNumber": "arn:aws:iam::123456789012:mfa/a", "Tags": [{"Key": "k", "Value": "v=1+2"}]},
    ),
    ("iam", "UntagMFADevice", {"SerialNumber": "arn:aws:iam::123456789012:mfa/a", "TagKeys": ["a", "b c"]}),
    ("iam", "ListVirtualMFADevices", {"AssignmentStatus": "Unassigned", "MaxItems": 100, "Marker": "m+/="}),
    ("iam", "ListMFADevices", {"UserName": "alice"}),
    (
        "iam",
        "EnableMFADevice",
        {
            "UserName": "alice",
            "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
            "AuthenticationCode1": "123456",
            "AuthenticationCode2": "654321",
        },
    ),
    (
        "iam",
        "PutUserPolicy",
        {
            "UserName": "alice",
            "PolicyName": "self-manage",
            "PolicyDocument": '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*",'
            ' "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}',
        },
    ),
    (
        "iam",
        "CreateUser",
        {"UserName": "bob", "Path": "/", "Tags": [{"Key": "Name", "Value": "Bøb Ünïcode"}, {"Key": "x", "Value": "y"}]},
    ),
    ("iam", "UpdateAccountPasswordPolicy", {"MinimumPasswordLength": 12, "RequireSymbols": True, "HardExpiry": False}),
    ("iam", "UpdateAccessKey", {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Inactive"}),
    ("iam", "GetAccountSummary", {}),
    (
        "sts",
        "GetSessionToken",
        {"DurationSeconds": 3600, "SerialNumber": "arn:aws:iam::1:mfa/a", "TokenCode": "012345"},
    ),
    ("sts", "GetSessionToken", {}),
    ("sts", "GetCallerIdentity", {}),
]


@pytest.mark.parametrize(("service", "action", "params"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_roundtrip_through_botocore(service: ServiceName, action: str, params: dict[str, Any]) -> None:
    assert roundtrip(service, action, params) == params


def test_empty_list_is_sent_and_decoded() -> None:
    pairs = wire(_BC["iam"], "UntagMFADevice", {"SerialNumber": "arn:aws:iam::1:mfa/abc", "TagKeys": []}, False)
    assert ("TagKeys", "") in pairs
    iam = load_service_model("iam")
    assert parse_parameters(iam, "UntagMFADevice", pairs)["TagKeys"] == []


def test_maps_and_nested_structures() -> None:
    params = {"Properties": {"alpha": "1", "beta": "two"}}
    assert roundtrip("iam", "PutAccountProperties", params, validate=False) == params
    nested = {"TemplateArn": "arn:x", "ReplacementValues": {"k": {"Values": ["a", "b"]}, "e": {"Values": []}}}
    assert roundtrip("iam", "AcquireRole", nested, validate=False) == nested


def test_unknown_parameters_and_action_version_are_ignored() -> None:
    iam = load_service_model("iam")
    pairs = [
        ("Action", "ListMFADevices"),
        ("Version", "2010-05-08"),
        ("UserName", "alice"),
        ("Bogus", "1"),
        ("UserName.member.1", "x"),
        ("Tags.member.1.Key", "not a member of ListMFADevices"),
        ("MaxItems.x", "1"),
    ]
    assert parse_parameters(iam, "ListMFADevices", pairs) == {"UserName": "alice"}


def test_list_indexes_are_ordered_and_odd_ones_dropped() -> None:
    iam = load_service_model("iam")
    pairs = [
        ("SerialNumber", "arn:aws:iam::1:mfa/a"),
        ("TagKeys.member.3", "third"),
        ("TagKeys.member.1", "first"),
        ("TagKeys.member.0", "zero"),
        ("TagKeys.member.01", "padded"),
        ("TagKeys.member.x", "letter"),
        ("TagKeys.entry.2", "wrong word"),
        ("TagKeys.member", "no index"),
    ]
    assert parse_parameters(iam, "UntagMFADevice", pairs)["TagKeys"] == ["first", "third"]


def test_a_repeated_name_keeps_the_last_value() -> None:
    iam = load_service_model("iam")
    assert parse_parameters(iam, "GetUser", [("UserName", "a"), ("UserName", "b")]) == {"UserName": "b"}


def test_booleans_follow_xsd() -> None:
    iam = load_service_model("iam")
    for raw, value in (("true", True), ("1", True), ("false", False), ("0", False)):
        assert parse_parameters(iam, "UpdateAccountPasswordPolicy", [("RequireNumbers", raw)]) == {
            "RequireNumbers": value
        }
    for raw, message in (("TRUE", "boolean must follow xsd1.1 definition"), ("", "missing value for boolean type")):
        with pytest.raises(ApiError) as caught:
            parse_parameters(iam, "UpdateAccountPasswordPolicy", [("RequireNumbers", raw)])
        assert (caught.value.code, caught.value.status, caught.value.message) == ("MalformedInput", 400, message)


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", " 5", "2147483648", "-2147483649", "٣", "1_000"])
def test_bad_integers_are_malformed_input(raw: str) -> None:
    sts = load_service_model("sts")
    with pytest.raises(ApiError) as caught:
        parse_parameters(sts, "GetSessionToken", [("DurationSeconds", raw)])
    assert (caught.value.code, caught.value.status) == ("MalformedInput", 400)


def test_integers_in_range_parse() -> None:
    sts = load_service_model("sts")
    for raw, value in (("900", 900), ("+43200", 43200), ("-1", -1), ("2147483647", 2**31 - 1)):
        assert parse_parameters(sts, "GetSessionToken", [("DurationSeconds", raw)]) == {"DurationSeconds": value}
    with pytest.raises(ApiError, match="missing value for decimal type"):
        parse_parameters(sts, "GetSessionToken", [("DurationSeconds", "")])


def test_unknown_action_is_invalid_action() -> None:
    with pytest.raises(ApiError) as caught:
        parse_parameters(load_service_model("sts"), "CreateUser", [])
    assert caught.value.code == "InvalidAction"


# A small query model exercising what IAM and STS do not use: locationName, flattened lists and
# maps, timestamps, blobs. botocore's serializer is still the oracle.
_SYNTHETIC = {
    "metadata": {"apiVersion": "2020-01-01", "protocol": "query", "xmlNamespace": "urn:x", "endpointPrefix": "x"},
    "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "In"}}},
    "shapes": {
        "In": {
            "type": "structure",
            "members": {
                "Renamed": {"shape": "Str", "locationName": "Other"},
                "Flat": {"shape": "FlatList"},
                "Named": {"shape": "NamedList"},
                "FlatMap": {"shape": "FlatMap"},
                "When": {"shape": "Time"},
                "Data": {"shape": "Blob"},
                "Big": {"shape": "Long"},
            },
        },
        "Str": {"type": "string"},
        "Time": {"type": "timestamp"},
        "Blob": {"type": "blob"},
        "Long": {"type": "long"},
        "FlatList": {"type": "list", "member": {"shape": "Str"}, "flattened": True},
        "NamedList": {"type": "list", "member": {"shape": "Str", "locationName": "item"}},
        "FlatMap": {
            "type": "map",
            "key": {"shape": "Str", "locationName": "k"},
            "value": {"shape": "Str", "locationName": "v"},
            "flattened": True,
        },
    },
}


def test_generic_wire_names_through_botocore() -> None:
    bc_model = botocore.model.ServiceModel(_SYNTHETIC, "synthetic")
    service = ServiceModel("synthetic", bc_model)
    params = {
        "Renamed": "r",
        "Flat": ["a", "b"],
        "Named": ["c"],
        "FlatMap": {"x": "1", "y": "2"},
        "When": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        "Data": b"\x00\xffbytes",
        "Big": 2**40,
    }
    pairs = wire(bc_model, "Op", params)
    assert ("Other", "r") in pairs and ("Flat.1", "a") in pairs and ("Named.item.1", "c") in pairs
    assert parse_parameters(service, "Op", pairs) == params
    with pytest.raises(ApiError, match="MalformedInput"):
        parse_parameters(service, "Op", [("Data", "not base64!")])
    assert parse_parameters(service, "Op", [("When", "1700000000")]) == {"When": datetime.fromtimestamp(1.7e9, UTC)}


# Random valid-typed parameters for a few operations, generated from the shapes themselves.
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


def _strategy(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        required = {
            name: _strategy(m, depth + 1) for name, m in shape.members.items() if name in shape.required_members
        }
        optional = {
            name: _strategy(m, depth + 1) for name, m in shape.members.items() if name not in shape.required_members
        }
        strategy = st.fixed_dictionaries(required, optional=optional)
        # An empty nested structure puts nothing on the wire: AWS cannot see it either.
        return strategy.filter(bool) if depth and shape.members else strategy
    if kind == "list":
        return st.lists(_strategy(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(_TEXT, _strategy(shape.value, depth + 1), min_size=1, max_size=3)
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else _TEXT
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(timezones=st.just(UTC))
    if kind == "blob":
        return st.binary(max_size=16)
    raise AssertionError(kind)


_RANDOM_OPS: list[tuple[ServiceName, str]] = [
    ("iam", "CreateUser"),
    ("iam", "CreateVirtualMFADevice"),
    ("iam", "UntagMFADevice"),
    ("iam", "ListVirtualMFADevices"),
    ("iam", "UpdateAccountPasswordPolicy"),
    ("iam", "AcquireRole"),
    ("sts", "GetSessionToken"),
    ("sts", "AssumeRole"),
]


@st.composite
def _random_request(draw: st.DrawFn) -> tuple[ServiceName, str, dict[str, Any]]:
    service, action = draw(st.sampled_from(_RANDOM_OPS))
    params = draw(_strategy(_BC[service].operation_model(action).input_shape))
    return service, action, params


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_request())
def test_random_parameters_roundtrip(request: tuple[ServiceName, str, dict[str, Any]]) -> None:
    service, action, params = request
    assert roundtrip(service, action, params, validate=False) == params


def test_printable_ascii_names_survive() -> None:
    value = string.printable
    params = {"SerialNumber": value, "TagKeys": [value, "=&%+"]}
    assert roundtrip("iam", "UntagMFADevice", params, validate=False) == params


def test_incomplete_map_entries() -> None:
    iam = load_service_model("iam")
    pairs = [
        ("Properties.entry.1.key", "keyonly"),
        ("Properties.entry.2.value", "valueonly"),
        ("Properties.entry.3.key", "ok"),
        ("Properties.entry.3.value", "1"),
        ("Properties.entry.4.other", "x"),
    ]
    assert parse_parameters(iam, "PutAccountProperties", pairs) == {"Properties": {"ok": "1"}}
    struct_valued = [("TemplateArn", "arn:x"), ("ReplacementValues.entry.1.key", "k")]
    assert parse_parameters(iam, "AcquireRole", struct_valued)["ReplacementValues"] == {"k": {}}
