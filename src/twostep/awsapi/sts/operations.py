"""STS on the shared endpoint (credential scope ``sts``): GetSessionToken, GetCallerIdentity and AssumeRole.

STS API reference: GetSessionToken must be called with long-term credentials ("Cannot call GetSessionToken
with session credentials."); a wrong TokenCode and a SerialNumber that is not one of the caller's devices are
AccessDenied (403) with AWS's texts (the STS table of domain_errors.py); DurationSeconds 900..129600 is enforced
by the model's validation before the handler runs. GetCallerIdentity answers for any valid credentials, with the
IAM user (not a session) as the identity of GetSessionToken credentials.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.authorization import environment_of
from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.domain_errors import STS, translating
from twostep.awsapi.protocol.errors import ApiError
from twostep.sts.errors import SessionCredentialsNotAllowed
from twostep.sts.models import AssumeRoleRequest, IssuedCredentials


def _credentials(issued: IssuedCredentials) -> dict[str, Any]:
    """The ``Credentials`` of an answer: shown this once, never again."""
    return {
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret_access_key,
        "SessionToken": issued.session_token,
        "Expiration": issued.expiration,
    }


def get_session_token(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = context.caller.user  # None for a role session
    if context.caller.temporary or user is None:
        raise SessionCredentialsNotAllowed()
    issued = context.services.sts.get_session_token(
        user,
        duration_seconds=params.get("DurationSeconds"),
        serial_number=params.get("SerialNumber"),
        token_code=params.get("TokenCode"),
        source_ip=context.source_ip,
    )
    return {"Credentials": _credentials(issued)}


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
    request = AssumeRoleRequest(
        role_arn=params["RoleArn"],
        session_name=params["RoleSessionName"],
        duration_seconds=params.get("DurationSeconds"),
        serial_number=params.get("SerialNumber"),
        token_code=params.get("TokenCode"),
        session_policy=params.get("Policy"),
        external_id=params.get("ExternalId"),
    )
    assumed = context.services.sts.assume_role(context.caller.principal, request, environment_of(context))
    session = assumed.principal
    answer: dict[str, Any] = {
        "Credentials": _credentials(assumed.issued),
        "AssumedRoleUser": {"AssumedRoleId": session.assumed_role_id, "Arn": session.arn},
    }
    if assumed.packed_policy_size is not None:
        answer["PackedPolicySize"] = assumed.packed_policy_size
    return answer


def get_caller_identity(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    del params
    principal = context.caller.principal
    return {"UserId": principal.caller_id, "Account": principal.account_id, "Arn": principal.arn}


STS_HANDLERS: dict[tuple[str, str], Handler] = {
    ("sts", action): translating(handler, STS)
    for action, handler in (
        ("GetSessionToken", get_session_token),
        ("GetCallerIdentity", get_caller_identity),
        ("AssumeRole", assume_role),
    )
}
