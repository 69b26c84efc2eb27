"""STS on the shared endpoint (credential scope ``sts``): GetSessionToken and GetCallerIdentity.

STS API reference: GetSessionToken must be called with long-term credentials ("Cannot call GetSessionToken
with session credentials."); a wrong TokenCode and a SerialNumber that is not one of the caller's devices are
AccessDenied (403) with AWS's texts; DurationSeconds 900..129600 is enforced by the model's validation before
the handler runs. GetCallerIdentity answers for any valid credentials, with the IAM user (not a session) as
the identity of GetSessionToken credentials.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.errors import ApiError
from twostep.sts.errors import InvalidDuration, MfaCodeInvalid, MfaDeviceInvalid, SessionCredentialsNotAllowed


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


def get_caller_identity(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    del params
    user = context.caller.user
    return {
        # AWS gives the account id as the root user's UserId.
        "UserId": user.account_id if user.is_root else user.id,
        "Account": user.account_id,
        "Arn": user.arn,
    }


STS_HANDLERS: dict[tuple[str, str], Handler] = {
    ("sts", "GetSessionToken"): get_session_token,
    ("sts", "GetCallerIdentity"): get_caller_identity,
}
