"""GetSessionToken and the temporary credentials it issues (STS API reference; IAM User Guide,
"Configuring MFA-protected API access").

The TokenCode goes through the one CodeVerifier (architecture rule 2), so a wrong or replayed code counts
toward the device's throttle and lockout like any other (S8, S25). The credentials carry their MFA context:
whether a code was checked and when, which becomes aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge.
Only the session token's SHA-256 is stored, and the secret is sealed under the key ring (S20).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.sts.errors import InvalidDuration, InvalidSessionToken, MfaCodeInvalid, MfaDeviceInvalid, SessionExpired
from twostep.sts.models import (
    DEFAULT_SESSION_SECONDS,
    ISSUED_BY_GET_SESSION_TOKEN,
    MAX_ROOT_SESSION_SECONDS,
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    IssuedCredentials,
    ResolvedSession,
    TemporaryCredential,
)
from twostep.unit_of_work import UnitOfWorkFactory

SESSION_TOKEN_BYTES = 96
# Expired credentials are kept a day so that their holders hear ExpiredToken rather than "invalid".
EXPIRED_RETENTION_SECONDS = 86_400


def new_session_token() -> str:
    return base64.b64encode(secrets.token_bytes(SESSION_TOKEN_BYTES)).decode("ascii")


def session_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def temporary_secret_associated_data(access_key_id: str) -> bytes:
    return f"twostep/temporary-credential/{access_key_id}".encode()


def session_duration(user: User, requested: int | None) -> int:
    """The lifetime GetSessionToken grants: the request (or 12 h) within 900..129600 s, at most 1 h for root."""
    seconds = DEFAULT_SESSION_SECONDS if requested is None else requested
    if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        raise InvalidDuration(seconds, MIN_SESSION_SECONDS, MAX_SESSION_SECONDS)
    return min(seconds, MAX_ROOT_SESSION_SECONDS) if user.is_root else seconds


class StsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, keyring: KeyRing, verifier: CodeVerifier) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self._verifier = verifier

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
                device = uow.devices.by_serial(user.account_id, serial_number)
                if device is None or device.user_id != user.id:
                    uow.audit.append(self._event(user, now, source_ip, serial_number, error_code="InvalidMfaSerial"))
                    uow.commit()
                    raise MfaDeviceInvalid()
                context = AttemptContext(ISSUED_BY_GET_SESSION_TOKEN, user.arn, source_ip)
                try:
                    self._verifier.verify(uow, device, token_code, context)
                except CodeRejected as exc:
                    raise MfaCodeInvalid() from exc
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
            uow.temporary_credentials.delete_expired(now - EXPIRED_RETENTION_SECONDS)
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
        with self._uow(readonly=True) as uow:
            found = uow.temporary_credentials.get(access_key_id)
            user = uow.users.get(found[0].user_id) if found is not None else None
        if found is None or user is None:
            raise InvalidSessionToken()
        credential, sealed = found
        if not hmac.compare_digest(credential.token_hash, session_token_hash(session_token)):
            raise InvalidSessionToken()
        if user.account_id != credential.account_id:
            raise InvalidSessionToken()
        if credential.expired(now):
            raise SessionExpired()
        secret = self._keyring.open(sealed, temporary_secret_associated_data(access_key_id)).decode()
        return ResolvedSession(credential, user, secret)

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
    ) -> AuditEvent:
        recorded = dict(details or {})
        if serial is not None:
            recorded["serialNumber"] = serial
        return AuditEvent(
            ISSUED_BY_GET_SESSION_TOKEN,
            user.account_id,
            now,
            actor=user.arn,
            source_ip=source_ip,
            mfa_used=mfa is not None,
            error_code=error_code,
            details=recorded,
        )
