"""XML answers, with botocore's own QueryParser as the oracle."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import botocore.loaders
import botocore.model
import botocore.parsers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twostep.awsapi.protocol.errors import ApiError, iam_error, sts_error
from twostep.awsapi.protocol.model import ServiceModel, load_service_model
from twostep.awsapi.protocol.xmlwire import format_timestamp, serialize_error, serialize_result

_BC = {
    name: botocore.model.ServiceModel(botocore.loaders.Loader().load_service_model(name, "service-2"), name)
    for name in ("iam", "sts")
}
IAM = load_service_model("iam")
STS = load_service_model("sts")
WHEN = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
LATER = datetime(2024, 3, 4, 17, 6, 7, 250000, tzinfo=UTC)


def parse(service: ServiceModel, action: str, body: bytes, status: int = 200) -> dict[str, Any]:
    parser = botocore.parsers.create_parser("query")
    shape = _BC[service.name].operation_model(action).output_shape if status < 300 else None
    parsed: dict[str, Any] = parser.parse({"body": body, "headers": {}, "status_code": status}, shape)
    return parsed


def roundtrip(service: ServiceModel, action: str, result: dict[str, Any] | None) -> dict[str, Any]:
    parsed = parse(service, action, serialize_result(service, action, result, "req-123"))
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-123"
    return parsed


def test_create_virtual_mfa_device_blobs() -> None:
    seed = b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    result = {
        "VirtualMFADevice": {
            "SerialNumber": "arn:aws:iam::123456789012:mfa/ops/alice-phone",
            "Base32StringSeed": seed,
            "QRCodePNG": png,
            "Tags": [{"Key": "team", "Value": "ops"}],
        }
    }
    assert roundtrip(IAM, "CreateVirtualMFADevice", result) == result
    body = serialize_result(IAM, "CreateVirtualMFADevice", result, "r")
    assert f"<Base32StringSeed>{base64.b64encode(seed).decode()}</Base32StringSeed>".encode() in body


def test_list_mfa_devices() -> None:
    result = {
        "MFADevices": [
            {"UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/a", "EnableDate": WHEN},
            {"UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/b", "EnableDate": LATER},
        ],
        "IsTruncated": True,
        "Marker": "next+page/=",
    }
    assert roundtrip(IAM, "ListMFADevices", result) == result
    assert roundtrip(IAM, "ListMFADevices", {"MFADevices": [], "IsTruncated": False}) == {
        "MFADevices": [],
        "IsTruncated": False,
    }


def test_list_virtual_mfa_devices_with_nested_user_and_epoch_seconds() -> None:
    user = {"Path": "/", "UserName": "alice", "UserId": "AIDAEXAMPLE", "Arn": "arn:aws:iam::1:user/alice"}
    result = {
        "VirtualMFADevices": [
            {"SerialNumber": "arn:aws:iam::1:mfa/free"},
            {
                "SerialNumber": "arn:aws:iam::1:mfa/alice",
                "User": user | {"CreateDate": WHEN.timestamp()},
                "EnableDate": LATER.timestamp(),
                "Base32StringSeed": None,
            },
        ],
        "IsTruncated": False,
    }
    parsed = roundtrip(IAM, "ListVirtualMFADevices", result)
    assigned = parsed["VirtualMFADevices"][1]
    assert parsed["VirtualMFADevices"][0] == {"SerialNumber": "arn:aws:iam::1:mfa/free"}
    assert assigned["User"] == user | {"CreateDate": WHEN}
    assert assigned["EnableDate"] == LATER
    assert "Base32StringSeed" not in assigned


def test_get_account_summary_map() -> None:
    result = {"SummaryMap": {"Users": 3, "MFADevices": 2, "MFADevicesInUse": 1, "AccountMFAEnabled": 1}}
    assert roundtrip(IAM, "GetAccountSummary", result) == result


def test_get_session_token_sts() -> None:
    credentials = {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "secret/with+chars=",
        "SessionToken": "token" * 40,
        "Expiration": LATER,
    }
    assert roundtrip(STS, "GetSessionToken", {"Credentials": credentials}) == {"Credentials": credentials}
    body = serialize_result(STS, "GetSessionToken", {"Credentials": credentials}, "r")
    assert body.startswith(b'<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">')
    assert b"<Expiration>2024-03-04T17:06:07.250Z</Expiration>" in body


def test_get_caller_identity() -> None:
    result = {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/alice"}
    assert roundtrip(STS, "GetCallerIdentity", result) == result


def test_get_credential_report() -> None:
    csv = b"user,arn,mfa_active\n<root_account>,arn:aws:iam::1:root,TRUE\n"
    result = {"Content": csv, "ReportFormat": "text/csv", "GeneratedTime": WHEN}
    assert roundtrip(IAM, "GetCredentialReport", result) == result


def test_operation_without_output_has_no_result_element() -> None:
    body = serialize_result(IAM, "DeleteVirtualMFADevice", None, "req-9")
    root = ET.fromstring(body)
    assert root.tag == "{https://iam.amazonaws.com/doc/2010-05-08/}DeleteVirtualMFADeviceResponse"
    assert [child.tag.split("}")[1] for child in root] == ["ResponseMetadata"]
    assert parse(IAM, "DeleteVirtualMFADevice", body)["ResponseMetadata"]["RequestId"] == "req-9"


def test_empty_result_still_has_its_wrapper() -> None:
    assert roundtrip(IAM, "ListMFADeviceTags", None) == {}
    assert b"<ListMFADeviceTagsResult></ListMFADeviceTagsResult>" in serialize_result(IAM, "ListMFADeviceTags", {}, "r")


def test_text_is_escaped() -> None:
    nasty = "a<b>&c\"d'e\r\nf\tg ]]> ü 😀"
    result = {"Tags": [{"Key": nasty, "Value": nasty}], "IsTruncated": False}
    assert roundtrip(IAM, "ListMFADeviceTags", result) == result
    controls = {"Tags": [{"Key": "bell\x07", "Value": "nul\x00"}], "IsTruncated": False}
    assert roundtrip(IAM, "ListMFADeviceTags", controls)["Tags"] == [{"Key": "bell\ufffd", "Value": "nul\ufffd"}]


def test_request_id_and_unknown_keys() -> None:
    body = serialize_result(STS, "GetCallerIdentity", {"Account": "1", "NotInModel": "x"}, "<id>")
    assert b"NotInModel" not in body
    assert parse(STS, "GetCallerIdentity", body)["ResponseMetadata"]["RequestId"] == "<id>"


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (iam_error("NoSuchEntity", "The user with name bob cannot be found."), 404, "Sender"),
        (iam_error("EntityAlreadyExists", "MFA Device is already in use."), 409, "Sender"),
        (iam_error("InvalidAuthenticationCode", "Authentication code for device is not valid."), 403, "Sender"),
        (iam_error("ServiceFailure", "Something <broke> & stayed broken"), 500, "Receiver"),
        (
            sts_error("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."),
            403,
            "Sender",
        ),
        (ApiError("ValidationError", "1 validation error detected: Value 'a b' at 'userName' ..."), 400, "Sender"),
    ],
)
def test_errors_parse_like_aws(error: ApiError, status: int, kind: str) -> None:
    service = STS if error.code == "AccessDenied" else IAM
    assert error.status == status
    body = serialize_error(service, error, "req-err")
    assert body.startswith(f'<ErrorResponse xmlns="{service.xml_namespace}">'.encode())
    parsed = parse(service, "GetCallerIdentity" if service is STS else "GetUser", body, status)
    assert parsed["Error"] == {"Type": kind, "Code": error.code, "Message": error.message}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-err"


def test_error_without_message() -> None:
    body = serialize_error(IAM, ApiError("MalformedInput", ""), "r")
    assert b"<Message>" not in body
    assert parse(IAM, "GetUser", body, 400)["Error"]["Code"] == "MalformedInput"


def test_timestamps() -> None:
    assert format_timestamp(WHEN) == "2024-03-04T05:06:07Z"
    assert format_timestamp(LATER) == "2024-03-04T17:06:07.250Z"
    assert format_timestamp(datetime(2024, 3, 4, 5, 6, 7)) == "2024-03-04T05:06:07Z"
    assert format_timestamp(0) == "1970-01-01T00:00:00Z"
    assert format_timestamp(1.5) == "1970-01-01T00:00:01.500Z"


@given(st.floats(min_value=-2e9, max_value=2.5e11, allow_nan=False))
def test_timestamps_from_numbers_read_as_datetime_reads_them(value: float) -> None:
    moment = datetime.fromtimestamp(value, UTC)
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    )
    assert format_timestamp(value) == expected + "Z"


# What IAM and STS do not use: a flattened list, renamed members and map entries.
_SYNTHETIC = {
    "metadata": {"apiVersion": "2020-01-01", "protocol": "query", "xmlNamespace": "urn:x", "endpointPrefix": "x"},
    "operations": {
        "Op": {
            "name": "Op",
            "http": {"method": "POST", "requestUri": "/"},
            "output": {"shape": "Out", "resultWrapper": "OpResult"},
        }
    },
    "shapes": {
        "Out": {
            "type": "structure",
            "members": {
                "Flat": {"shape": "FlatList"},
                "Renamed": {"shape": "Str", "locationName": "Other"},
                "Items": {"shape": "NamedList"},
                "Map": {"shape": "NamedMap"},
                "Ratio": {"shape": "Double"},
            },
        },
        "Str": {"type": "string"},
        "Double": {"type": "double"},
        "FlatList": {"type": "list", "member": {"shape": "Str", "locationName": "Item"}, "flattened": True},
        "NamedList": {"type": "list", "member": {"shape": "Str", "locationName": "item"}},
        "NamedMap": {
            "type": "map",
            "key": {"shape": "Str", "locationName": "Name"},
            "value": {"shape": "Str", "locationName": "Val"},
        },
    },
}


def test_generic_wire_names_through_botocore() -> None:
    bc_model = botocore.model.ServiceModel(_SYNTHETIC, "synthetic")
    service = ServiceModel("synthetic", bc_model)
    result = {"Flat": ["a", "b"], "Renamed": "r", "Items": ["c"], "Map": {"k": "v"}, "Ratio": 0.25}
    body = serialize_result(service, "Op", result, "r")
    assert b"<Item>a</Item><Item>b</Item>" in body and b"<Other>r</Other>" in body
    parser = botocore.parsers.create_parser("query")
    parsed = parser.parse(
        {"body": body, "headers": {}, "status_code": 200}, bc_model.operation_model("Op").output_shape
    )
    parsed.pop("ResponseMetadata")
    assert parsed == result
