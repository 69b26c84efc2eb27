"""The typed model wrapper: both services load from botocore, error codes carry AWS's statuses."""

from __future__ import annotations

import pytest

from twostep.awsapi.protocol.errors import ApiError, error_status, iam_error, invalid_action, sts_error
from twostep.awsapi.protocol.model import ServiceModel, load_service_model


@pytest.fixture(scope="module")
def iam() -> ServiceModel:
    return load_service_model("iam")


@pytest.fixture(scope="module")
def sts() -> ServiceModel:
    return load_service_model("sts")


def test_services_load_with_their_versions_and_namespaces(iam: ServiceModel, sts: ServiceModel) -> None:
    assert (iam.name, iam.api_version, iam.xml_namespace) == (
        "iam",
        "2010-05-08",
        "https://iam.amazonaws.com/doc/2010-05-08/",
    )
    assert (sts.name, sts.api_version, sts.xml_namespace) == (
        "sts",
        "2011-06-15",
        "https://sts.amazonaws.com/doc/2011-06-15/",
    )
    assert iam.protocol == sts.protocol == "query"
    assert load_service_model("iam") is iam


def test_operations_are_matched_exactly(iam: ServiceModel, sts: ServiceModel) -> None:
    for action in ("CreateVirtualMFADevice", "EnableMFADevice", "ListVirtualMFADevices", "GetAccountSummary"):
        assert iam.has_operation(action)
    assert sts.has_operation("GetSessionToken")
    assert sts.has_operation("GetCallerIdentity")
    assert not iam.has_operation("GetSessionToken")
    assert not iam.has_operation("createuser")
    assert not iam.has_operation("")


def test_shapes_follow_the_model(iam: ServiceModel, sts: ServiceModel) -> None:
    shape = iam.input_shape("CreateVirtualMFADevice")
    assert shape is not None
    assert list(shape.members) == ["Path", "VirtualMFADeviceName", "Tags"]
    assert shape.required == {"VirtualMFADeviceName"}
    tags = shape.members["Tags"]
    assert tags.type == "list" and tags.max == 50
    assert tags.member is not None and tags.member.required == {"Key", "Value"}
    duration = sts.input_shape("GetSessionToken")
    assert duration is not None
    assert (duration.members["DurationSeconds"].min, duration.members["DurationSeconds"].max) == (900, 129600)
    assert iam.output_shape("DeleteVirtualMFADevice") is None
    summary = iam.output_shape("GetAccountSummary")
    assert summary is not None and summary.members["SummaryMap"].type == "map"
    assert iam.input_shape("CreateUser") is iam.input_shape("CreateUser")  # cached


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("NoSuchEntity", 404),
        ("EntityAlreadyExists", 409),
        ("LimitExceeded", 409),
        ("DeleteConflict", 409),
        ("EntityTemporarilyUnmodifiable", 409),
        ("ConcurrentModification", 409),
        ("InvalidAuthenticationCode", 403),
        ("InvalidInput", 400),
        ("PasswordPolicyViolation", 400),
        ("ServiceFailure", 500),
        ("ReportNotPresent", 410),
        ("ReportExpired", 410),
        ("ReportInProgress", 404),
        ("ValidationError", 400),
        ("AccessDenied", 403),
        ("InvalidClientTokenId", 403),
        ("SomethingUnheardOf", 400),
    ],
)
def test_iam_error_statuses(iam: ServiceModel, code: str, status: int) -> None:
    assert error_status(iam, code) == status
    error = iam_error(code, "message")
    assert isinstance(error, ApiError)
    assert (error.code, error.message, error.status) == (code, "message", status)


def test_fault_side_follows_the_model(iam: ServiceModel) -> None:
    assert iam_error("NoSuchEntity", "x").sender_fault
    assert not iam_error("ServiceFailure", "x").sender_fault
    assert error_status(iam, "NoSuchEntity") == 404
    assert "NoSuchEntity" in iam.error_codes()


def test_sts_errors(sts: ServiceModel) -> None:
    assert sts_error("AccessDenied", "MultiFactorAuthentication failed").status == 403
    assert error_status(sts, "ExpiredTokenException") == 400
    assert error_status(sts, "RegionDisabledException") == 403
    assert error_status(sts, "MalformedPolicyDocument") == 400


def test_api_error_defaults_and_invalid_action(iam: ServiceModel) -> None:
    error = ApiError("ValidationError", "bad")
    assert (error.status, error.sender_fault) == (400, True)
    assert str(error) == "ValidationError: bad"
    unknown = invalid_action(iam, "FlyToTheMoon")
    assert (unknown.code, unknown.status) == ("InvalidAction", 400)
    assert unknown.message == "Could not find operation FlyToTheMoon for version 2010-05-08"
