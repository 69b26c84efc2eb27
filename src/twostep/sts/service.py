"""GetSessionToken, AssumeRole and the temporary credentials they issue (STS API reference; IAM User Guide,
"Configuring MFA-protected API access").

A TokenCode goes through the one CodeVerifier (architecture rule 2), so a wrong or replayed code counts toward
the device's throttle and lockout like any other (S8, S25). The credentials carry their MFA context: whether a
code was checked and when, which becomes aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge. Only the session
token's SHA-256 is stored, and the secret is sealed under the key ring (S20; issuing.py).
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import NoReturn

from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.identity.principal import Principal, RoleSession
from twostep.mfa.verifier import CodeVerifier
from twostep.policy.language.access import RequestEnvironment, decide, denial_message, request_context
from twostep.policy.language.document import parse_policy
from twostep.policy.language.evaluator import ContextValue
from twostep.policy.stored.permissions import permissions_of
from twostep.roles import trust
from twostep.roles.models import Role
from twostep.sts.errors import AssumeRoleDenied, InvalidSessionToken, MfaDeviceInvalid, SessionExpired
from twostep.sts.issuing import CredentialIssuer, sts_event
from twostep.sts.models import (
    ISSUED_BY_ASSUME_ROLE,
    ISSUED_BY_GET_SESSION_TOKEN,
    AssumedRoleCredentials,
    AssumeRoleRequest,
    IssuedCredentials,
    ResolvedSession,
    TemporaryCredential,
)
from twostep.sts.ports import StsUnitOfWork
from twostep.sts.terms import (
    check_session_policy,
    role_session_duration,
    session_duration,
    session_token_hash,
    temporary_secret_associated_data,
)
from twostep.unit_of_work import UnitOfWorkFactory


class StsService:
    def __init__(
        self, uow: UnitOfWorkFactory[StsUnitOfWork], clock: Clock, keyring: KeyRing, verifier: CodeVerifier
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self._issuer = CredentialIssuer(keyring, verifier)

    def get_session_token(
        self,
        user: User,
        *,
        duration_seconds: int | None = None,
        serial_number: str | None = None,
        token_code: str | None = None,
        source_ip: str | None = None,
    ) -> IssuedCredentials:
        """Issue temporary credentials for ``user``, with MFA context when a serial and a valid code are given.

        Raises MfaDeviceInvalid (the serial is not one of the user's devices), MfaCodeInvalid (the verifier
        refused the code; the failure is already committed), InvalidDuration.
        """
        duration = session_duration(user, duration_seconds)
        if (serial_number is None) != (token_code is None):
            raise MfaDeviceInvalid()
        new = self._issuer.new_secrets()
        with self._uow() as uow:
            now = self._clock.now()
            mfa_at: float | None = None
            if serial_number is not None and token_code is not None:
                self._issuer.check_code(uow, user, user.id, serial_number, token_code, now, source_ip)
                mfa_at = now
            credential = TemporaryCredential(
                access_key_id=new.access_key_id,
                user_id=user.id,
                account_id=user.account_id,
                token_hash=session_token_hash(new.session_token),
                issued_by=ISSUED_BY_GET_SESSION_TOKEN,
                created_at=now,
                expires_at=now + duration,
                mfa_authenticated_at=mfa_at,
                mfa_serial=serial_number if mfa_at is not None else None,
            )
            self._issuer.store(uow, credential, new.sealed)
            details: dict[str, object] = {"accessKeyId": new.access_key_id, "durationSeconds": duration}
            uow.audit.append(sts_event(user, now, source_ip, credential.mfa_serial, details=details, mfa=mfa_at))
            uow.commit()
        return new.issued(credential)

    def resolve(self, access_key_id: str, session_token: str, now: float | None = None) -> ResolvedSession:
        """The credentials an (ASIA key id, session token) pair names, for checking a SigV4 signature.

        Raises InvalidSessionToken for an unknown key id, a token that is not the key's, or a deleted user;
        SessionExpired once the credentials have expired.
        """
        now = self._clock.now() if now is None else now
        role: Role | None = None
        with self._uow(readonly=True) as uow:
            found = uow.temporary_credentials.get(access_key_id)
            user = uow.users.get(found[0].user_id) if found is not None else None
            if found is not None and found[0].role_id is not None:
                role = uow.roles.get(found[0].role_id)
        if found is None or user is None:
            raise InvalidSessionToken()
        credential, sealed = found
        principal: Principal = user
        if credential.role_id is not None:
            # AssumeRole credentials act as the role (which must still exist, in the same account).
            if role is None or role.account_id != credential.account_id:
                raise InvalidSessionToken()
            principal = role.session(
                credential.session_name or "",
                source_user_id=credential.user_id,
                session_policy=credential.session_policy,
            )
        if not hmac.compare_digest(credential.token_hash, session_token_hash(session_token)):
            raise InvalidSessionToken()
        if principal.account_id != credential.account_id:
            raise InvalidSessionToken()
        if credential.expired(now):
            raise SessionExpired()
        secret = self._keyring.open(sealed, temporary_secret_associated_data(access_key_id)).decode()
        return ResolvedSession(credential, principal, secret)

    def assume_role(
        self, caller: Principal, request: AssumeRoleRequest, environment: RequestEnvironment
    ) -> AssumedRoleCredentials:
        """Credentials that act as the role, if its trust policy and the caller's identity policies allow it
        (roles/trust.py). ``environment`` is how the caller signed this request (long-term key or session, and
        the session's MFA). With SerialNumber and TokenCode the code goes through the same check as
        GetSessionToken's; a right code makes aws:MultiFactorAuthPresent true for the trust policy and in the new
        session, as does a caller's session that had MFA already.

        Raises AssumeRoleDenied (audited and committed, a spent code included), MfaDeviceInvalid, MfaCodeInvalid,
        RoleDurationTooLong, InvalidDuration, InvalidSessionPolicy, SessionPolicyTooLarge.
        """
        if (request.serial_number is None) != (request.token_code is None):
            raise MfaDeviceInvalid()
        packed = check_session_policy(request.session_policy)
        source_user_id, chained = _chain_of(caller)
        new = self._issuer.new_secrets()
        with self._uow() as uow:
            environment = replace(environment, now=self._clock.now())
            now = environment.now
            role = None if caller.is_root else _role_named(uow, caller.account_id, request.role_arn)
            checked = role is not None and self._code_checked(uow, caller, source_user_id, request, environment)
            mfa_at = now if checked else environment.mfa_authenticated_at
            verdict = self._verdict(uow, caller, role, request, environment, mfa_at)
            if role is None or not verdict.allowed:
                self._refuse(uow, caller, request, environment, mfa_at, verdict)
            duration = role_session_duration(role, request.duration_seconds, chained=chained)
            serial = request.serial_number if checked else None
            credential = TemporaryCredential(
                access_key_id=new.access_key_id,
                user_id=source_user_id,
                account_id=caller.account_id,
                token_hash=session_token_hash(new.session_token),
                issued_by=ISSUED_BY_ASSUME_ROLE,
                created_at=now,
                expires_at=now + duration,
                mfa_authenticated_at=mfa_at,
                mfa_serial=serial,
                role_id=role.id,
                session_name=request.session_name,
                session_policy=request.session_policy,
            )
            self._issuer.store(uow, credential, new.sealed)
            details = _assume_details(request) | {"accessKeyId": new.access_key_id, "durationSeconds": duration}
            source_ip = environment.source_ip
            event = sts_event(caller, now, source_ip, serial, details=details, mfa=mfa_at, name=ISSUED_BY_ASSUME_ROLE)
            uow.audit.append(event)
            uow.commit()
        session = role.session(
            request.session_name, source_user_id=source_user_id, session_policy=request.session_policy
        )
        return AssumedRoleCredentials(new.issued(credential), session, packed)

    # -- AssumeRole's steps -----------------------------------------------------------------------------------

    def _code_checked(
        self,
        uow: StsUnitOfWork,
        caller: Principal,
        owner_id: str,
        request: AssumeRoleRequest,
        environment: RequestEnvironment,
    ) -> bool:
        """Check the request's code against a device of the user at the start of the chain, if one was sent."""
        if request.serial_number is None or request.token_code is None:
            return False
        self._issuer.check_code(
            uow,
            caller,
            owner_id,
            request.serial_number,
            request.token_code,
            environment.now,
            environment.source_ip,
            ISSUED_BY_ASSUME_ROLE,
        )
        return True

    @staticmethod
    def _verdict(
        uow: StsUnitOfWork,
        caller: Principal,
        role: Role | None,
        request: AssumeRoleRequest,
        environment: RequestEnvironment,
        mfa_at: float | None,
    ) -> trust.AssumeDecision:
        """The caller's identity policies on sts:AssumeRole, then the role's trust policy in the caller's request
        context (with the MFA the request proved), then both together (roles/trust.py)."""
        action, role_arn = trust.ASSUME_ROLE, request.role_arn
        identity = decide(permissions_of(uow, caller), caller, action, role_arn, environment)
        trusted = None
        if role is not None:
            proved = environment.temporary or mfa_at is not None
            trust_environment = replace(environment, temporary=proved, mfa_authenticated_at=mfa_at)
            extra: dict[str, ContextValue] = {"sts:RoleSessionName": request.session_name}
            if request.external_id is not None:
                extra["sts:ExternalId"] = request.external_id
            context = request_context(caller, action, role.arn, trust_environment, extra)
            trusted = trust.evaluate_trust(parse_policy(role.trust_policy, max_size=None, trust=True), caller, context)
        denial = denial_message(caller, action, role_arn, identity.decision)
        return trust.decide_assume_role(caller, role_arn, trusted, identity, denial)

    @staticmethod
    def _refuse(
        uow: StsUnitOfWork,
        caller: Principal,
        request: AssumeRoleRequest,
        environment: RequestEnvironment,
        mfa_at: float | None,
        verdict: trust.AssumeDecision,
    ) -> NoReturn:
        event = sts_event(
            caller,
            environment.now,
            environment.source_ip,
            request.serial_number,
            details=_assume_details(request),
            mfa=mfa_at,
            error_code="AccessDenied",
            name=ISSUED_BY_ASSUME_ROLE,
        )
        uow.audit.append(event)
        uow.commit()  # the refusal is audited, and a code checked on the way stays spent
        raise AssumeRoleDenied(verdict.message or trust.trust_denial(caller, request.role_arn))


def _chain_of(caller: Principal) -> tuple[str, bool]:
    """The IAM user at the start of the chain of sessions, and whether the caller is a role session itself (a
    role assuming a role: "role chaining")."""
    if isinstance(caller, RoleSession):
        return caller.source_user_id, True
    return caller.id, False


def _role_named(uow: StsUnitOfWork, account_id: str, arn: str) -> Role | None:
    """The role ``arn`` names in the caller's account (another account's roles do not exist for it)."""
    prefix = f"arn:aws:iam::{account_id}:role/"
    if not arn.startswith(prefix):
        return None
    role = uow.roles.by_name(account_id, arn.rsplit("/", 1)[-1])
    return role if role is not None and role.arn == arn else None


def _assume_details(request: AssumeRoleRequest) -> dict[str, object]:
    return {"roleArn": request.role_arn, "roleSessionName": request.session_name}
