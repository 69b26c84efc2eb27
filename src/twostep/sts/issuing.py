"""What GetSessionToken and AssumeRole share in issuing temporary credentials: fresh secrets (the secret access
key sealed under the key ring, the session token kept only as its SHA-256: S20), the one path by which STS checks
a TokenCode, storing the credentials, and their audit events."""

from __future__ import annotations

from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.crypto.keyring import KeyRing, Sealed
from twostep.identity import aws_ids
from twostep.identity.principal import Principal
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.sts.errors import MfaCodeInvalid, MfaDeviceInvalid
from twostep.sts.models import ISSUED_BY_GET_SESSION_TOKEN, IssuedCredentials, TemporaryCredential
from twostep.sts.ports import StsUnitOfWork
from twostep.sts.terms import new_session_token, temporary_secret_associated_data

# Expired credentials are kept a day so that their holders hear ExpiredToken rather than "invalid".
EXPIRED_RETENTION_SECONDS = 86_400
# ... and swept at most this often per process, by the call that issues credentials (not by every call: the sweep
# is a statement, and on PostgreSQL a round trip, that finds nothing nearly every time).
EXPIRED_SWEEP_SECONDS = 60.0


@dataclass(frozen=True)
class NewSecrets:
    """A new ASIA key id with its secret (sealed for the store) and session token, before they are stored."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    sealed: Sealed

    def issued(self, credential: TemporaryCredential) -> IssuedCredentials:
        return IssuedCredentials(credential, self.secret_access_key, self.session_token)


class CredentialIssuer:
    def __init__(self, keyring: KeyRing, verifier: CodeVerifier) -> None:
        self._keyring = keyring
        self._verifier = verifier
        self._next_sweep_at = 0.0

    def new_secrets(self) -> NewSecrets:
        key_id = aws_ids.new_access_key_id(temporary=True)
        secret = aws_ids.new_secret_access_key()
        sealed = self._keyring.seal(secret.encode(), temporary_secret_associated_data(key_id))
        return NewSecrets(key_id, secret, new_session_token(), sealed)

    def check_code(
        self,
        uow: StsUnitOfWork,
        caller: Principal,
        owner_id: str,
        serial_number: str,
        token_code: str,
        now: float,
        source_ip: str | None,
        purpose: str = ISSUED_BY_GET_SESSION_TOKEN,
    ) -> None:
        """The one path by which STS checks a TokenCode (GetSessionToken and AssumeRole): the serial must name a
        device of ``owner_id``, and the code goes through the CodeVerifier (replay, throttling, lockout, audit).
        Raises MfaDeviceInvalid or MfaCodeInvalid, with the failure committed. A passkey's serial is refused like
        a serial that is not the caller's device: STS takes codes, which only a TOTP device gives (as AWS does)."""
        context = AttemptContext(purpose, caller.arn, source_ip)
        try:
            accepted = self._verifier.verify_owned(
                uow, caller.account_id, owner_id, token_code, context, serial=serial_number
            )
        except CodeRejected as exc:
            raise MfaCodeInvalid() from exc
        if accepted is None:
            uow.audit.append(
                sts_event(caller, now, source_ip, serial_number, error_code="InvalidMfaSerial", name=purpose)
            )
            uow.commit()
            raise MfaDeviceInvalid()

    def store(self, uow: StsUnitOfWork, credential: TemporaryCredential, sealed: Sealed) -> None:
        now = credential.created_at
        if now >= self._next_sweep_at:  # two threads may both sweep once: harmless
            self._next_sweep_at = now + EXPIRED_SWEEP_SECONDS
            uow.temporary_credentials.delete_expired(now - EXPIRED_RETENTION_SECONDS)
        uow.temporary_credentials.add(credential, sealed)


def sts_event(
    caller: Principal,
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
        caller.account_id,
        now,
        actor=caller.arn,
        source_ip=source_ip,
        mfa_used=mfa is not None,
        error_code=error_code,
        details=recorded,
    )
