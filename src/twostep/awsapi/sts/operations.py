"""STS on the shared endpoint (credential scope ``sts``): GetSessionToken, GetCallerIdentity and AssumeRole.

STS API reference: GetSessionToken must be called with long-term credentials ("Cannot call GetSessionToken
with session credentials."); a wrong TokenCode and a SerialNumber that is not one of the caller's devices are
AccessDenied (403) with AWS's texts; DurationSeconds 900..129600 is enforced by the model's validation before
the handler runs. GetCallerIdentity answers for any valid credentials, with the IAM user (not a session) as
the identity of GetSessionToken credentials.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.authorization import session_of
from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.protocol.errors import ApiError, sts_error
from twostep.roles.models import AssumedRoleUser
from twostep.sts.errors import (
    AssumeRoleDenied,
    InvalidDuration,
    InvalidSessionPolicy,
    MfaCodeInvalid,
    MfaDeviceInvalid,
    RoleDurationTooLong,
    SessionCredentialsNotAllowed,
    SessionPolicyTooLarge,
)


def access_denied(message: str) -> ApiError:
    return ApiError("AccessDenied", message, 403)


def get_session_token(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    caller = context.caller
    if caller.temporary:
        raise access_denied(str(SessionCredentialsNotAllowed()))
    try:
        issued = context.services.sts.get_session_token(
            caller.user,
            duration_seconds=params.get("DurationSeconds"),
            serial_number=params.get("SerialNumber"),
            token_code=params.get("TokenCode"),
            source_ip=context.source_ip,
        )
    except (MfaCodeInvalid, MfaDeviceInvalid) as exc:
        raise access_denied(str(exc)) from None
    except InvalidDuration as exc:
        raise ApiError("ValidationError", str(exc), 400) from None
    return {
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
            "Expiration": issued.expiration,
        }
    }


# AssumeRole parameters twostep does not implement: refused rather than silently ignored.
UNSUPPORTED_ASSUME_ROLE = {
    "PolicyArns": "managed session policies (PolicyArns); pass the session policy inline as Policy",
    "Tags": "session tags (Tags)",
    "TransitiveTagKeys": "session tags (TransitiveTagKeys)",
    "SourceIdentity": "SourceIdentity",
    "ProvidedContexts": "ProvidedContexts",
}


def assume_role(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    for member, what in UNSUPPORTED_ASSUME_ROLE.items():
        if params.get(member):
            raise ApiError("ValidationError", f"twostep does not support {what}.", 400)
    caller = context.caller
    try:
        assumed = context.services.sts.assume_role(
            caller.user,
            caller_session=session_of(context),
            identity_policies=context.services.policies.policies_for(caller.user),
            role_arn=params["RoleArn"],
            session_name=params["RoleSessionName"],
            duration_seconds=params.get("DurationSeconds"),
            serial_number=params.get("SerialNumber"),
            token_code=params.get("TokenCode"),
            session_policy=params.get("Policy"),
            external_id=params.get("ExternalId"),
        )
    except (MfaCodeInvalid, MfaDeviceInvalid, AssumeRoleDenied) as exc:
        raise access_denied(str(exc)) from None
    except (InvalidDuration, RoleDurationTooLong) as exc:
        raise ApiError("ValidationError", str(exc), 400) from None
    except InvalidSessionPolicy as exc:
        raise sts_error("MalformedPolicyDocument", str(exc)) from None
    except SessionPolicyTooLarge as exc:
        raise sts_error("PackedPolicyTooLarge", str(exc)) from None
    issued, principal = assumed.issued, assumed.principal
    answer: dict[str, Any] = {
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
            "Expiration": issued.expiration,
        },
        "AssumedRoleUser": {"AssumedRoleId": principal.assumed_role_id, "Arn": principal.arn},
    }
    if assumed.packed_policy_size is not None:
        answer["PackedPolicySize"] = assumed.packed_policy_size
    return answer


def get_caller_identity(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    del params
    user = context.caller.user
    if isinstance(user, AssumedRoleUser):
        return {"UserId": user.assumed_role_id, "Account": user.account_id, "Arn": user.arn}
    return {
        # AWS gives the account id as the root user's UserId.
        "UserId": user.account_id if user.is_root else user.id,
        "Account": user.account_id,
        "Arn": user.arn,
    }


STS_HANDLERS: dict[tuple[str, str], Handler] = {
    ("sts", "GetSessionToken"): get_session_token,
    ("sts", "GetCallerIdentity"): get_caller_identity,
    ("sts", "AssumeRole"): assume_role,
}
