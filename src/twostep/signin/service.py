"""Console sign-in: the password step, the MFA step and re-authentication (S11-S13, S17); the sessions they issue
live in sessions.py."""

from __future__ import annotations

from dataclasses import replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.models import User
from twostep.identity.password_policy import PasswordPolicy
from twostep.mfa.errors import CodeRejected
from twostep.mfa.models import MfaDevice
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.passkeys.assertions import AssertionChecker, PresentedPasskey
from twostep.signin.errors import MfaFailed, SessionInvalid
from twostep.signin.models import CurrentSession, Grant, Session, Stage
from twostep.signin.password_change import PasswordChanges
from twostep.signin.ports import SignInUnitOfWork
from twostep.signin.settings import SignInSettings
from twostep.unit_of_work import UnitOfWorkFactory, WriteConditionFailed

REAUTH_EVENT = "ConsoleReauthentication"


class SignInService(PasswordChanges):
    """Sign-in here; the password check (password_check.py), changing one's password (password_change.py) and the
    sessions (sessions.py) in their own modules, on one service."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[SignInUnitOfWork],
        clock: Clock,
        hasher: PasswordHasher,
        verifier: CodeVerifier,
        settings: SignInSettings | None = None,
        assertions: AssertionChecker | None = None,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self.verifier = verifier
        self.settings = settings or SignInSettings()
        self.assertions = assertions or AssertionChecker(verifier, clock)
        self.password_policy = password_policy or PasswordPolicy()

    def password_step(
        self,
        *,
        password: str,
        email: str | None = None,
        account_id: str | None = None,
        user_name: str | None = None,
        source_ip: str | None = None,
    ) -> Grant:
        """Root users name their email; IAM users their account id and user name."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            found = self._find_user(uow, email, account_id, user_name)
        user = self._prove_password(found, password, now, source_ip)
        with self._uow() as uow:
            uow.users.password_succeeded(user.id, now)
            needs_mfa = uow.devices.count_for_user(user.id) > 0
            session = self._new_session(user.id, Stage.NEEDS_MFA if needs_mfa else Stage.SIGNED_IN, now)
            uow.sessions.add(session.session)
            if not needs_mfa:
                uow.audit.append(self._login_event(user, now, source_ip, mfa_used=False))
            uow.commit()
        return session

    def mfa_step(
        self,
        token: str,
        device_id: str,
        code: str,
        source_ip: str | None = None,
        *,
        passkey: PresentedPasskey | None = None,
    ) -> Grant:
        """The MFA step of the half-signed-in session of a token: prove_mfa with the session and device read here."""
        current, devices = self.half_signed_in(token)
        device = next((d for d in devices if d.id == device_id), None)
        if device is None:
            raise SessionInvalid()
        return self.prove_mfa(current, device, code, source_ip, passkey=passkey)

    def prove_mfa(
        self,
        current: CurrentSession,
        device: MfaDevice,
        code: str,
        source_ip: str | None = None,
        *,
        passkey: PresentedPasskey | None = None,
    ) -> Grant:
        """Check the code (or, for a passkey, its assertion) for the half-signed-in session the request found
        (half_signed_in) and one of its user's devices; on success the session id rotates (S14). A lockout ends
        the sign-in (S12).

        The transaction trusts the request's read of the session: the half-signed-in session is replaced only if
        it is still there (a second MFA step on it, or a sign-out meanwhile, finds it gone: SessionInvalid, and
        nothing of that step is kept). The device must still be the user's: a code device is reserved only then."""
        session, user = current.session, current.user
        if session.stage is not Stage.NEEDS_MFA or device.user_id != user.id:
            raise SessionInvalid()
        now = self._clock.now()
        with self._uow() as uow:
            try:
                context = AttemptContext("ConsoleLogin", user.arn, source_ip)
                if passkey is not None:
                    still = uow.devices.get(device.id)  # a passkey's step is not counted on a device removed meanwhile
                    if still is None or still.user_id != user.id:
                        raise SessionInvalid()
                    self.assertions.check(uow, session.id_hash, device, passkey, context)
                else:
                    owned = self.verifier.verify_owned(
                        uow, user.account_id, user.id, code, context, device_id=device.id
                    )
                    if owned is None:
                        raise SessionInvalid()  # the device is no longer the user's
            except CodeRejected as rejected:
                if rejected.device_locked:
                    with self._uow() as cleanup:
                        cleanup.sessions.delete(session.id_hash)
                        cleanup.commit()
                    raise MfaFailed(ended=True) from rejected
                raise MfaFailed(ended=False, retry_after=rejected.retry_after, reason=rejected.reason) from rejected
            grant = self._new_session(user.id, Stage.SIGNED_IN, now, authenticated_at=session.authenticated_at)
            grant = Grant(grant.token, replace(grant.session, mfa_at=now, mfa_device_id=device.id))
            try:
                uow.sessions.delete_at_stage(session.id_hash, Stage.NEEDS_MFA)
                uow.sessions.add(grant.session)
                uow.audit.append(self._login_event(user, now, source_ip, mfa_used=True))
                uow.commit()
            except WriteConditionFailed:
                raise SessionInvalid() from None
        return grant

    def unlock_password(self, user: User, *, actor: User) -> int:
        """An administrator lifts the password step's delay and its hard stop (S11; `twostep user unlock`).

        Returns the consecutive failures cleared (0: there was nothing to lift, and nothing is recorded).
        """
        with self._uow() as uow:
            failures, next_attempt_at = uow.users.password_throttle(user.id)
            if failures == 0 and next_attempt_at == 0:
                return 0
            uow.users.reset_password_failures(user.id)
            details = {"userName": user.name, "failures": failures}
            now = self._clock.now()
            uow.audit.append(
                AuditEvent("UnlockConsolePassword", user.account_id, now, actor=actor.arn, details=details)
            )
            uow.commit()
        return failures

    def reauthenticate(
        self,
        token: str,
        *,
        password: str,
        device_id: str | None = None,
        code: str | None = None,
        source_ip: str | None = None,
        passkey: PresentedPasskey | None = None,
    ) -> Grant:
        """Prove the password again, and a current code (or a passkey) when the user has MFA; the session id
        rotates.

        Raises SignInFailed for the password (same throttle as sign-in) and MfaFailed(ended=False) for the code.
        """
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            session = self._live(uow, token, now)
            user = uow.users.get(session.user_id)
            devices = uow.devices.for_user(session.user_id)
        if session.stage is not Stage.SIGNED_IN or user is None:
            raise SessionInvalid()
        self._prove_password(user, password, now, source_ip, REAUTH_EVENT)
        with self._uow() as uow:
            uow.users.password_succeeded(user.id, now)
            mfa_at, mfa_device_id = session.mfa_at, session.mfa_device_id
            if devices:
                device = next((d for d in devices if d.id == device_id), None)
                if device is None:
                    uow.commit()
                    raise MfaFailed(ended=False)
                context = AttemptContext(REAUTH_EVENT, user.arn, source_ip)
                try:
                    self._prove_device(uow, session, device, code or "", passkey, context)
                except CodeRejected as rejected:
                    raise MfaFailed(ended=False, retry_after=rejected.retry_after, reason=rejected.reason) from rejected
                mfa_at, mfa_device_id = now, device.id
            grant = self._successor(session, now, authenticated_at=now, mfa_at=mfa_at, mfa_device_id=mfa_device_id)
            uow.sessions.delete(session.id_hash)
            uow.sessions.add(grant.session)
            uow.audit.append(self._login_event(user, now, source_ip, mfa_used=bool(devices), name=REAUTH_EVENT))
            uow.commit()
        return grant

    # -- internals --------------------------------------------------------------------------------------------

    def _prove_device(
        self,
        uow: SignInUnitOfWork,
        session: Session,
        device: MfaDevice,
        code: str,
        passkey: PresentedPasskey | None,
        context: AttemptContext,
    ) -> None:
        """The one verification path, for a code or a passkey assertion; raises CodeRejected."""
        if passkey is not None:
            self.assertions.check(uow, session.id_hash, device, passkey, context)
        else:
            self.verifier.verify(uow, device, code, context)

    @staticmethod
    def _find_user(
        uow: SignInUnitOfWork, email: str | None, account_id: str | None, user_name: str | None
    ) -> User | None:
        if email:
            return uow.users.root_by_email(email.strip().lower())
        if account_id and user_name:
            return uow.users.by_name(account_id.strip(), user_name.strip())
        return None
