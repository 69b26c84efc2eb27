"""GetSessionToken and the temporary credentials it issues (STS API reference; IAM User Guide,
"Configuring MFA-protected API access").

The TokenCode goes through the one CodeVerifier (architecture rule 2), so a wrong or replayed code counts
toward the device's throttle and lockout like any other (S8, S25). The credentials carry their MFA context:
whether a code was checked and when, which becomes aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge.
Only the session token's SHA-256 is stored, and the secret is sealed under the key ring (S20).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.policy.access import Session, decide, denial_message, request_context
from twostep.policy.document import PolicyDocument, parse_policy
from twostep.policy.evaluator import ContextValue
from twostep.roles import trust
from twostep.roles.models import AssumedRoleUser, Role
from twostep.sts.errors import (
    AssumeRoleDenied,
    InvalidSessionToken,
    MfaCodeInvalid,
    MfaDeviceInvalid,
    SessionExpired,
)
from twostep.sts.models import (
    ISSUED_BY_ASSUME_ROLE,
    ISSUED_BY_GET_SESSION_TOKEN,
    AssumedRoleCredentials,
    IssuedCredentials,
    ResolvedSession,
    TemporaryCredential,
)
from twostep.sts.ports import StsUnitOfWork
from twostep.sts.terms import (
    check_session_policy,
    new_session_token,
    role_session_duration,
    session_duration,
    session_token_hash,
    temporary_secret_associated_data,
)
from twostep.unit_of_work import UnitOfWorkFactory

# Expired credentials are kept a day so that their holders hear ExpiredToken rather than "invalid".
EXPIRED_RETENTION_SECONDS = 86_400
# ... and swept at most this often per process, by the call that issues credentials (not by every call: the sweep
# is a statement, and on PostgreSQL a round trip, that finds nothing nearly every time).
EXPIRED_SWEEP_SECONDS = 60.0


class StsService:
    def __init__(
        self, uow: UnitOfWorkFactory[StsUnitOfWork], clock: Clock, keyring: KeyRing, verifier: CodeVerifier
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self.verifier = verifier
        self._next_sweep_at = 0.0

    def _sweep_expired(self, uow: StsUnitOfWork, now: float) -> None:
        if now >= self._next_sweep_at:  # two threads may both sweep once: harmless
            self._next_sweep_at = now + EXPIRED_SWEEP_SECONDS
            uow.temporary_credentials.delete_expired(now - EXPIRED_RETENTION_SECONDS)

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
        key_id = aws_ids.new_access_key_id(temporary=True)
        secret = aws_ids.new_secret_access_key()
        token = new_session_token()
        sealed = self._keyring.seal(secret.encode(), temporary_secret_associated_data(key_id))
        with self._uow() as uow:
            now = self._clock.now()
            mfa_at: float | None = None
            if serial_number is not None and token_code is not None:
                self._check_code(uow, user, user.id, serial_number, token_code, now, source_ip)
                mfa_at = now
            credential = TemporaryCredential(
                access_key_id=key_id,
                user_id=user.id,
                account_id=user.account_id,
                token_hash=session_token_hash(token),
                issued_by=ISSUED_BY_GET_SESSION_TOKEN,
                created_at=now,
                expires_at=now + duration,
                mfa_authenticated_at=mfa_at,
                mfa_serial=serial_number if mfa_at is not None else None,
            )
            self._sweep_expired(uow, now)
            uow.temporary_credentials.add(credential, sealed)
            details: dict[str, object] = {"accessKeyId": key_id, "durationSeconds": duration}
            uow.audit.append(self._event(user, now, source_ip, credential.mfa_serial, details=details, mfa=mfa_at))
            uow.commit()
        return IssuedCredentials(credential, secret, token)

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
        if credential.role_id is not None:
            # AssumeRole credentials act as the role (which must still exist, in the same account).
            if role is None or role.account_id != credential.account_id:
                raise InvalidSessionToken()
            user = role.session(
                credential.session_name or "",
                source_user_id=credential.user_id,
                session_policy=credential.session_policy,
            )
        if not hmac.compare_digest(credential.token_hash, session_token_hash(session_token)):
            raise InvalidSessionToken()
        if user.account_id != credential.account_id:
            raise InvalidSessionToken()
        if credential.expired(now):
            raise SessionExpired()
        secret = self._keyring.open(sealed, temporary_secret_associated_data(access_key_id)).decode()
        return ResolvedSession(credential, user, secret)

    def _check_code(
        self,
        uow: StsUnitOfWork,
        caller: User,
        owner_id: str,
        serial_number: str,
        token_code: str,
        now: float,
        source_ip: str | None,
        purpose: str = ISSUED_BY_GET_SESSION_TOKEN,
    ) -> None:
        """The one path by which STS checks a TokenCode (GetSessionToken and AssumeRole): the serial must name a
        device of ``owner_id``, and the code goes through the CodeVerifier (replay, throttling, lockout, audit).
        Raises MfaDeviceInvalid or MfaCodeInvalid, with the failure committed."""
        device = uow.devices.by_serial(caller.account_id, serial_number)
        if device is None or device.user_id != owner_id:
            uow.audit.append(
                self._event(caller, now, source_ip, serial_number, error_code="InvalidMfaSerial", name=purpose)
            )
            uow.commit()
            raise MfaDeviceInvalid()
        context = AttemptContext(purpose, caller.arn, source_ip)
        try:
            self.verifier.verify(uow, device, token_code, context)
        except CodeRejected as exc:
            raise MfaCodeInvalid() from exc

    def assume_role(
        self,
        caller: User,
        *,
        caller_session: Session,
        identity_policies: Sequence[PolicyDocument],
        role_arn: str,
        session_name: str,
        duration_seconds: int | None = None,
        serial_number: str | None = None,
        token_code: str | None = None,
        session_policy: str | None = None,
        external_id: str | None = None,
    ) -> AssumedRoleCredentials:
        """Credentials that act as the role, if its trust policy and the caller's identity policies allow it
        (roles/trust.py). ``caller_session`` is how the caller signed this request (long-term key or session,
        and the session's MFA). With SerialNumber and TokenCode the code goes through the same check as
        GetSessionToken's; a right code makes aws:MultiFactorAuthPresent true for the trust policy and in the
        new session, as does a caller's session that had MFA already.

        Raises AssumeRoleDenied (audited and committed, a spent code included), MfaDeviceInvalid, MfaCodeInvalid,
        RoleDurationTooLong, InvalidDuration, InvalidSessionPolicy, SessionPolicyTooLarge.
        """
        if (serial_number is None) != (token_code is None):
            raise MfaDeviceInvalid()
        packed = check_session_policy(session_policy)
        chained = isinstance(caller, AssumedRoleUser)
        source_user_id = caller.source_user_id if isinstance(caller, AssumedRoleUser) else caller.id
        key_id = aws_ids.new_access_key_id(temporary=True)
        secret = aws_ids.new_secret_access_key()
        token = new_session_token()
        sealed = self._keyring.seal(secret.encode(), temporary_secret_associated_data(key_id))
        source_ip = caller_session.source_ip
        with self._uow() as uow:
            now = self._clock.now()
            role = None if caller.is_root else self._role_named(uow, caller.account_id, role_arn)
            mfa_at = caller_session.mfa_authenticated_at
            checked_code = False
            if role is not None and serial_number is not None and token_code is not None:
                self._check_code(
                    uow, caller, source_user_id, serial_number, token_code, now, source_ip, ISSUED_BY_ASSUME_ROLE
                )
                mfa_at, checked_code = now, True
            session = replace(caller_session, now=now)
            action = trust.ASSUME_ROLE
            identity = decide(identity_policies, caller, action, role_arn, session)
            trusted = None
            if role is not None:
                trust_session = replace(
                    session, temporary=session.temporary or mfa_at is not None, mfa_authenticated_at=mfa_at
                )
                extra: dict[str, ContextValue] = {"sts:RoleSessionName": session_name}
                if external_id is not None:
                    extra["sts:ExternalId"] = external_id
                context = request_context(caller, action, role.arn, trust_session, extra)
                trusted = trust.evaluate_trust(
                    parse_policy(role.trust_policy, max_size=None, trust=True), caller, context
                )
            denial = denial_message(caller, action, role_arn, identity.decision)
            verdict = trust.decide_assume_role(caller, role_arn, trusted, identity, denial)
            details: dict[str, object] = {"roleArn": role_arn, "roleSessionName": session_name}
            if role is None or not verdict.allowed:
                uow.audit.append(
                    self._event(
                        caller,
                        now,
                        source_ip,
                        serial_number,
                        details=details,
                        mfa=mfa_at,
                        error_code="AccessDenied",
                        name=ISSUED_BY_ASSUME_ROLE,
                    )
                )
                uow.commit()  # the refusal is audited, and a code checked on the way stays spent
                raise AssumeRoleDenied(verdict.message or trust.trust_denial(caller, role_arn))
            duration = role_session_duration(role, duration_seconds, chained=chained)
            credential = TemporaryCredential(
                access_key_id=key_id,
                user_id=source_user_id,
                account_id=caller.account_id,
                token_hash=session_token_hash(token),
                issued_by=ISSUED_BY_ASSUME_ROLE,
                created_at=now,
                expires_at=now + duration,
                mfa_authenticated_at=mfa_at,
                mfa_serial=serial_number if checked_code else None,
                role_id=role.id,
                session_name=session_name,
                session_policy=session_policy,
            )
            self._sweep_expired(uow, now)
            uow.temporary_credentials.add(credential, sealed)
            details.update(accessKeyId=key_id, durationSeconds=duration)
            serial = serial_number if checked_code else None
            uow.audit.append(
                self._event(caller, now, source_ip, serial, details=details, mfa=mfa_at, name=ISSUED_BY_ASSUME_ROLE)
            )
            uow.commit()
        principal = role.session(session_name, source_user_id=source_user_id, session_policy=session_policy)
        return AssumedRoleCredentials(IssuedCredentials(credential, secret, token), principal, packed)

    @staticmethod
    def _role_named(uow: StsUnitOfWork, account_id: str, arn: str) -> Role | None:
        """The role ``arn`` names in the caller's account (another account's roles do not exist for it)."""
        prefix = f"arn:aws:iam::{account_id}:role/"
        if not arn.startswith(prefix):
            return None
        role = uow.roles.by_name(account_id, arn.rsplit("/", 1)[-1])
        return role if role is not None and role.arn == arn else None

    @staticmethod
    def _event(
        user: User,
        now: float,
        source_ip: str | None,
        serial: str | None,
        *,
        details: dict[str, object] | None = None,
        mfa: float | None = None,
        error_code: str | None = None,
        name: str = ISSUED_BY_GET_SESSION_TOKEN,
    ) -> AuditEvent:
        recorded = dict(details or {})
        if serial is not None:
            recorded["serialNumber"] = serial
        return AuditEvent(
            name,
            user.account_id,
            now,
            actor=user.arn,
            source_ip=source_ip,
            mfa_used=mfa is not None,
            error_code=error_code,
            details=recorded,
        )
