"""Domain failures as the AWS errors botocore maps to its exception classes: the one translation table.

Every IAM handler runs inside :func:`translating`, so a handler just calls the services and lets their typed
errors rise. The message is the domain's (each domain error's text is already IAM's wording), except for a
rejected code, which always reads the same whatever the reason (S13).
"""

from __future__ import annotations

import functools
from typing import Any

from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.protocol.errors import ApiError, iam_error
from twostep.groups import errors as groups
from twostep.identity import errors as identity
from twostep.mfa import errors as mfa
from twostep.policy import service_errors as policies
from twostep.policy.errors import MalformedPolicyDocument, PolicyTooLarge
from twostep.roles import errors as roles

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
    policies.PolicyNotAttachable: "PolicyNotAttachable",
    policies.PolicyInUse: "DeleteConflict",
    policies.InvalidPolicyArn: "InvalidInput",
    policies.PolicyNotModifiable: "InvalidInput",
    policies.PolicyStoreError: "InvalidInput",
    # roles
    roles.NoSuchRole: "NoSuchEntity",
    roles.NoSuchRolePolicy: "NoSuchEntity",
    roles.RoleAlreadyExists: "EntityAlreadyExists",
    roles.RoleHasDependents: "DeleteConflict",
    roles.RoleLimitExceeded: "LimitExceeded",
    roles.InvalidTrustPolicy: "MalformedPolicyDocument",
    roles.RoleError: "InvalidInput",
    # groups
    groups.NoSuchGroup: "NoSuchEntity",
    groups.NoSuchGroupPolicy: "NoSuchEntity",
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


def to_api_error(exc: Exception) -> ApiError:
    """The AWS error for a domain failure (InvalidInput for one the table does not name)."""
    code = next((ERROR_CODES[cls] for cls in type(exc).__mro__ if cls in ERROR_CODES), "InvalidInput")
    message = INVALID_CODE if isinstance(exc, mfa.CodeRejected) else str(exc)
    return iam_error(code, message)


def translating(handler: Handler) -> Handler:
    """Wrap a handler so that domain failures leave it as AWS errors."""

    @functools.wraps(handler)
    def run(context: CallContext, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return handler(context, params)
        except DOMAIN_ERRORS as exc:
            raise to_api_error(exc) from None

    return run
