"""Console sign-in: the password step, the MFA step and re-authentication (S11-S13, S17); the sessions they issue
live in sessions.py."""

from __future__ import annotations

from dataclasses import replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.models import MfaDevice
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.passkeys.assertions import AssertionChecker, PresentedPasskey
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import Grant, Session, Stage
from twostep.signin.ports import SignInUnitOfWork
from twostep.signin.sessions import Sessions
from twostep.signin.settings import SignInSettings
from twostep.unit_of_work import UnitOfWorkFactory

REAUTH_EVENT = "ConsoleReauthentication"


class SignInService(Sessions):
    def __init__(
        self,
        uow: UnitOfWorkFactory[SignInUnitOfWork],
        clock: Clock,
        hasher: PasswordHasher,
        verifier: CodeVerifier,
        settings: SignInSettings | None = None,
        assertions: AssertionChecker | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self.verifier = verifier
        self.settings = settings or SignInSettings()
        self.assertions = assertions or AssertionChecker(verifier, clock)

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
        """Check the code (or, for a passkey, its assertion); on success the session id rotates (S14). A lockout
        ends the sign-in (S12)."""
        now = self._clock.now()
        with self._uow() as uow:
            session = self._live(uow, token, now)
            if session.stage is not Stage.NEEDS_MFA:
                raise SessionInvalid()
            user = uow.users.get(session.user_id)
            device = next((d for d in uow.devices.for_user(session.user_id) if d.id == device_id), None)
            if user is None or device is None:
                raise SessionInvalid()
            try:
                context = AttemptContext("ConsoleLogin", user.arn, source_ip)
                self._prove_device(uow, session, device, code, passkey, context)
            except CodeRejected as rejected:
                if rejected.device_locked:
                    with self._uow() as cleanup:
                        cleanup.sessions.delete(session.id_hash)
                        cleanup.commit()
                    raise MfaFailed(ended=True) from rejected
                raise MfaFailed(ended=False, retry_after=rejected.retry_after, reason=rejected.reason) from rejected
            grant = self._new_session(user.id, Stage.SIGNED_IN, now, authenticated_at=session.authenticated_at)
            grant = Grant(grant.token, replace(grant.session, mfa_at=now, mfa_device_id=device.id))
            uow.sessions.delete(session.id_hash)
            uow.sessions.add(grant.session)
            uow.audit.append(self._login_event(user, now, source_ip, mfa_used=True))
            uow.commit()
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

    def _prove_password(
        self, user: User | None, password: str, now: float, source_ip: str | None, event: str = "ConsoleLogin"
    ) -> User:
        """Count the attempt and start its delay, then run the hash (for unknown users too, S13); a failure is
        recorded and raised.

        The delay is set in the same transaction as the count, before the hash runs: parallel attempts on one user
        wait for it like the code verifier's reserved attempts, instead of all passing while the first is hashed.
        A success clears both (password_succeeded).
        """
        throttle = self.settings.password_throttle
        with self._uow() as uow:
            failures = None
            if user is not None:
                failures = uow.users.reserve_password_attempt(user.id, now, self.settings.password_max_failures)
                if failures is not None:
                    uow.users.set_password_delay(user.id, now + throttle.delay_after(failures))
            uow.commit()
        # The hash runs outside any transaction; the failure is already counted and its delay started.
        ok = self._hasher.verify(user.password_hash if user else None, password) and failures is not None
        if user is None:
            raise SignInFailed()
        if not ok:
            with self._uow() as uow:
                _, next_at = uow.users.password_throttle(user.id)
                uow.audit.append(self._login_event(user, now, source_ip, error="Failed authentication", name=event))
                uow.commit()
            raise SignInFailed(retry_after=max(0.0, next_at - now) or None)
        return user

    @staticmethod
    def _find_user(
        uow: SignInUnitOfWork, email: str | None, account_id: str | None, user_name: str | None
    ) -> User | None:
        if email:
            return uow.users.root_by_email(email.strip().lower())
        if account_id and user_name:
            return uow.users.by_name(account_id.strip(), user_name.strip())
        return None

    @staticmethod
    def _login_event(
        user: User,
        now: float,
        source_ip: str | None,
        *,
        mfa_used: bool | None = None,
        error: str | None = None,
        name: str = "ConsoleLogin",
    ) -> AuditEvent:
        return AuditEvent(
            name,
            user.account_id,
            now,
            actor=user.arn,
            source_ip=source_ip,
            mfa_used=mfa_used,
            error_code=error,
        )
