"""Domain failures as the AWS errors botocore maps to its exception classes: one translation per service.

Every IAM and STS handler runs inside :func:`translating`, so a handler just calls the services and lets their
typed errors rise. The message is the domain's (each domain error's text is already AWS's wording), except for a
rejected code, which always reads the same whatever the reason (S13).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.protocol.errors import ApiError, iam_error, sts_error
from twostep.groups import errors as groups
from twostep.identity import errors as identity
from twostep.mfa import errors as mfa
from twostep.policy.language.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.policy.stored import errors as policies
from twostep.roles import errors as roles
from twostep.sts import errors as sts

INVALID_CODE = "Authentication code for device is not valid."

# Exception class -> IAM error code; looked up along the exception's MRO, so the most specific entry wins.
ERROR_CODES: dict[type[Exception], str] = {
    # identity
    identity.NoSuchAccount: "NoSuchEntity",
    identity.NoSuchUser: "NoSuchEntity",
    identity.NoLoginProfile: "NoSuchEntity",
    identity.NoSuchAccessKey: "NoSuchEntity",
    identity.UserAlreadyExists: "EntityAlreadyExists",
    identity.EmailAlreadyRegistered: "EntityAlreadyExists",
    identity.LoginProfileExists: "EntityAlreadyExists",
    identity.PasswordRejected: "PasswordPolicyViolation",
    identity.UserHasDependents: "DeleteConflict",
    identity.AccessKeyLimit: "LimitExceeded",
    identity.TooManyTags: "LimitExceeded",
    identity.InvalidTags: "InvalidInput",
    identity.InvalidName: "InvalidInput",
    identity.CredentialReportNotPresent: "ReportNotPresent",
    identity.CredentialReportExpired: "ReportExpired",
    identity.IdentityError: "InvalidInput",
    # mfa
    mfa.CodeRejected: "InvalidAuthenticationCode",
    mfa.NoSuchDevice: "NoSuchEntity",
    mfa.DeviceNotAssignedToUser: "NoSuchEntity",
    mfa.DeviceAlreadyExists: "EntityAlreadyExists",
    mfa.DeviceInUse: "EntityAlreadyExists",
    mfa.DeviceLimitExceeded: "LimitExceeded",
    mfa.DeviceStillAssigned: "DeleteConflict",
    mfa.InvalidDeviceName: "InvalidInput",
    mfa.MfaError: "InvalidInput",
    # policies
    PolicyTooLarge: "LimitExceeded",
    MalformedPolicyDocument: "MalformedPolicyDocument",
    policies.NoSuchPolicy: "NoSuchEntity",
    policies.PolicyAlreadyExists: "EntityAlreadyExists",
    policies.PolicyLimitExceeded: "LimitExceeded",
    policies.PolicyInUse: "DeleteConflict",
    policies.InvalidPolicyArn: "InvalidInput",
    policies.PolicyNotModifiable: "InvalidInput",
    policies.PolicyStoreError: "InvalidInput",
    # roles
    roles.NoSuchRole: "NoSuchEntity",
    roles.RoleAlreadyExists: "EntityAlreadyExists",
    roles.RoleHasDependents: "DeleteConflict",
    roles.RoleLimitExceeded: "LimitExceeded",
    roles.InvalidTrustPolicy: "MalformedPolicyDocument",
    roles.RoleError: "InvalidInput",
    # groups
    groups.NoSuchGroup: "NoSuchEntity",
    groups.NotAMember: "NoSuchEntity",
    groups.GroupAlreadyExists: "EntityAlreadyExists",
    groups.GroupHasDependents: "DeleteConflict",
    groups.GroupLimitExceeded: "LimitExceeded",
    groups.GroupError: "InvalidInput",
}

DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    identity.IdentityError,
    mfa.MfaError,
    policies.PolicyStoreError,
    MalformedPolicyDocument,
    roles.RoleError,
    groups.GroupError,
)


# STS API reference: a wrong TokenCode, a SerialNumber that is not one of the caller's devices and a refused
# AssumeRole are AccessDenied (403) with AWS's texts; GetSessionToken with session credentials too.
STS_ERROR_CODES: dict[type[Exception], str] = {
    sts.MfaCodeInvalid: "AccessDenied",
    sts.MfaDeviceInvalid: "AccessDenied",
    sts.AssumeRoleDenied: "AccessDenied",
    sts.SessionCredentialsNotAllowed: "AccessDenied",
    sts.InvalidDuration: "ValidationError",
    sts.RoleDurationTooLong: "ValidationError",
    sts.InvalidSessionPolicy: "MalformedPolicyDocument",
    sts.SessionPolicyTooLarge: "PackedPolicyTooLarge",
}


@dataclass(frozen=True)
class Translation:
    """One service's table: the domain failures its handlers let rise (``caught``), their codes (looked up
    along the exception's MRO, ``fallback`` when none matches), and the service whose model gives the status."""

    codes: Mapping[type[Exception], str]
    caught: tuple[type[Exception], ...]
    fallback: str
    error: Callable[[str, str], ApiError]


IAM = Translation(ERROR_CODES, DOMAIN_ERRORS, "InvalidInput", iam_error)
STS = Translation(STS_ERROR_CODES, (sts.StsError,), "AccessDenied", sts_error)


def to_api_error(exc: Exception, translation: Translation = IAM) -> ApiError:
    """The AWS error for a domain failure (the service's fallback code for one the table does not name)."""
    codes = translation.codes
    code = next((codes[cls] for cls in type(exc).__mro__ if cls in codes), translation.fallback)
    message = INVALID_CODE if isinstance(exc, mfa.CodeRejected) else str(exc)
    return translation.error(code, message)


def translating(handler: Handler, translation: Translation = IAM) -> Handler:
    """Wrap a handler so that domain failures leave it as the service's AWS errors."""

    @functools.wraps(handler)
    def run(context: CallContext, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return handler(context, params)
        except translation.caught as exc:
            raise to_api_error(exc, translation) from None

    return run
