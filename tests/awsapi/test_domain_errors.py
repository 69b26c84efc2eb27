"""The translation of domain failures into AWS errors, one table per service: codes, statuses, messages."""

from __future__ import annotations

from typing import Any

import pytest

from twostep.awsapi.context import CallContext
from twostep.awsapi.domain_errors import ERROR_CODES, STS, STS_ERROR_CODES, to_api_error, translating
from twostep.awsapi.iam.operations import IAM_HANDLERS
from twostep.awsapi.protocol.errors import COMMON_ERRORS, ApiError
from twostep.awsapi.protocol.model import load_service_model
from twostep.awsapi.sts.operations import STS_HANDLERS
from twostep.identity import errors as identity
from twostep.mfa import errors as mfa
from twostep.policy.language.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.stored import errors as policies
from twostep.sts import errors as sts


@pytest.mark.parametrize(
    ("error", "code", "status", "message"),
    [
        (identity.NoSuchUser("bob"), "NoSuchEntity", 404, "The user with name bob cannot be found."),
        (identity.UserAlreadyExists("bob"), "EntityAlreadyExists", 409, "User with name bob already exists."),
        (identity.PasswordRejected("Too short."), "PasswordPolicyViolation", 400, "Too short."),
        (identity.UserHasDependents("Cannot delete."), "DeleteConflict", 409, "Cannot delete."),
        (identity.AccessKeyLimit("quota"), "LimitExceeded", 409, "quota"),
        (identity.CredentialReportNotPresent(), "ReportNotPresent", 410, None),
        (identity.CredentialReportExpired(), "ReportExpired", 410, None),
        (mfa.NoSuchDevice("arn:x"), "NoSuchEntity", 404, "MFA Device with serial number arn:x does not exist."),
        (mfa.DeviceInUse(), "EntityAlreadyExists", 409, "MFA Device is already in use."),
        (mfa.DeviceLimitExceeded(), "LimitExceeded", 409, "Cannot exceed quota for MfaDevicesPerUser: 8"),
        (mfa.DeviceStillAssigned(), "DeleteConflict", 409, None),
        (MalformedPolicyDocument("Syntax errors in policy."), "MalformedPolicyDocument", 400, None),
        (PolicyTooLarge(7000, 6144), "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144"),
        (policies.NoSuchPolicy("gone"), "NoSuchEntity", 404, "gone"),
        (policies.PolicyInUse("attached"), "DeleteConflict", 409, "attached"),
        (policies.InvalidPolicyArn("ARN x is not valid."), "InvalidInput", 400, None),
    ],
)
def test_translation(error: Exception, code: str, status: int, message: str | None) -> None:
    translated = to_api_error(error)
    assert (translated.code, translated.status) == (code, status)
    assert translated.message == (message if message is not None else str(error))


@pytest.mark.parametrize("reason", list(mfa.RejectionReason))
def test_every_rejected_code_reads_the_same(reason: mfa.RejectionReason) -> None:
    translated = to_api_error(mfa.CodeRejected(reason, retry_after=3.0, device_locked=True))
    assert (translated.code, translated.status, translated.message) == (
        "InvalidAuthenticationCode",
        403,
        "Authentication code for device is not valid.",
    )


def test_every_code_in_the_table_is_an_iam_error() -> None:
    model = load_service_model("iam")
    assert {code for code in ERROR_CODES.values()} <= set(model.error_codes())


def test_handlers_raise_api_errors_and_let_others_through() -> None:
    def failing(context: CallContext, params: dict[str, Any]) -> None:
        raise identity.NoSuchUser(params["UserName"])

    def broken(context: CallContext, params: dict[str, Any]) -> None:
        raise RuntimeError("a bug, not a domain failure")

    with pytest.raises(ApiError) as translated:
        translating(failing)(None, {"UserName": "zoe"})  # type: ignore[arg-type]
    assert translated.value.code == "NoSuchEntity"
    with pytest.raises(RuntimeError):
        translating(broken)(None, {})  # type: ignore[arg-type]


def test_every_iam_handler_names_a_modelled_operation() -> None:
    model = load_service_model("iam")
    assert all(service == "iam" and model.has_operation(action) for service, action in IAM_HANDLERS)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (sts.MfaCodeInvalid(), "AccessDenied", 403),
        (sts.MfaDeviceInvalid(), "AccessDenied", 403),
        (sts.AssumeRoleDenied("User: x is not authorized"), "AccessDenied", 403),
        (sts.SessionCredentialsNotAllowed(), "AccessDenied", 403),
        (sts.InvalidDuration(899, 900, 3600), "ValidationError", 400),
        (sts.RoleDurationTooLong("too long"), "ValidationError", 400),
        (sts.InvalidSessionPolicy("Syntax errors in policy."), "MalformedPolicyDocument", 400),
        (sts.SessionPolicyTooLarge("Packed policy consumes 101%"), "PackedPolicyTooLarge", 400),
    ],
)
def test_sts_translation(error: Exception, code: str, status: int) -> None:
    translated = to_api_error(error, STS)
    assert (translated.code, translated.status, translated.message) == (code, status, str(error))


def test_every_code_in_the_sts_table_is_an_sts_or_common_error() -> None:
    model = load_service_model("sts")
    assert set(STS_ERROR_CODES.values()) <= set(model.error_codes()) | set(COMMON_ERRORS)


def test_sts_handlers_translate_sts_failures_only() -> None:
    def refused(context: CallContext, params: dict[str, Any]) -> None:
        raise sts.MfaCodeInvalid()

    def iam_failure(context: CallContext, params: dict[str, Any]) -> None:
        raise identity.NoSuchUser("zoe")

    with pytest.raises(ApiError) as translated:
        translating(refused, STS)(None, {})  # type: ignore[arg-type]
    assert translated.value.code == "AccessDenied"
    with pytest.raises(identity.NoSuchUser):
        translating(iam_failure, STS)(None, {})  # type: ignore[arg-type]


def test_every_sts_handler_names_a_modelled_operation() -> None:
    model = load_service_model("sts")
    assert all(service == "sts" and model.has_operation(action) for service, action in STS_HANDLERS)
