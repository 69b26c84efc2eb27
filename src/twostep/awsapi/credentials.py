"""Who signed the request: long-term access keys (AKIA...) and temporary credentials from STS (ASIA... with
X-Amz-Security-Token).

STS API reference and IAM User Guide ("Comparing the AWS STS API operations"): credentials from
GetSessionToken without MFA cannot call IAM at all (InvalidClientTokenId, as AWS answers) and, in STS, only
GetCallerIdentity and AssumeRole; no session credentials may call GetSessionToken.
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.authorization import authorize
from twostep.awsapi.context import CallContext, Caller
from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.sigv4.verifier import SignatureClaim
from twostep.bootstrap import Services
from twostep.sts.errors import InvalidSessionToken, SessionCredentialsNotAllowed, SessionExpired

INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
TEMPORARY_KEY_PREFIX = "ASIA"
# What credentials obtained without MFA may still do in STS (GetSessionToken answers for itself).
STS_WITHOUT_MFA = frozenset({"GetCallerIdentity", "AssumeRole", "GetSessionToken"})


def invalid_token() -> ApiError:
    return ApiError("InvalidClientTokenId", INVALID_TOKEN, 403)


class CredentialResolver:
    def __init__(self, services: Services) -> None:
        self._services = services

    def resolve(self, claim: SignatureClaim, now: float) -> tuple[Caller, str]:
        """The caller and the secret the signature must have been made with; InvalidClientTokenId otherwise,
        ExpiredToken for temporary credentials past their expiry.

        API calls accept only SigV4 access keys, never console passwords (S19)."""
        if claim.security_token is not None or claim.access_key_id.startswith(TEMPORARY_KEY_PREFIX):
            return self._temporary(claim, now)
        resolved = self._services.identity.resolve_access_key(claim.access_key_id)
        if resolved is None:
            raise invalid_token()
        return Caller(resolved.user, resolved.key.id), resolved.secret_access_key

    def _temporary(self, claim: SignatureClaim, now: float) -> tuple[Caller, str]:
        # A long-term key with a token, or a temporary key without one, names no credentials (S25).
        if claim.security_token is None or not claim.access_key_id.startswith(TEMPORARY_KEY_PREFIX):
            raise invalid_token()
        try:
            session = self._services.sts.resolve(claim.access_key_id, claim.security_token, now)
        except InvalidSessionToken:
            raise invalid_token() from None
        except SessionExpired:
            raise ApiError("ExpiredToken", EXPIRED_TOKEN, 403) from None
        credential = session.credential
        caller = Caller(
            session.principal,
            credential.access_key_id,
            temporary=True,
            mfa_authenticated_at=credential.mfa_authenticated_at,
        )
        return caller, session.secret_access_key

    def check_allowed(self, context: CallContext, params: dict[str, Any]) -> None:
        caller = context.caller
        # Only GetSessionToken's credentials without MFA are limited; AssumeRole's act as the role in full.
        if caller.temporary and not caller.mfa_present and not caller.assumed_role:
            if context.service == "iam":
                raise invalid_token()
            if context.action not in STS_WITHOUT_MFA:
                raise ApiError("AccessDenied", str(SessionCredentialsNotAllowed(context.action)), 403)
        authorize(context, params)
