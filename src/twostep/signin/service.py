"""Console sign-in: password step, MFA step, server-side sessions (S11-S15, S18)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, NoSuchDevice
from twostep.mfa.models import MfaDevice
from twostep.mfa.verifier import AttemptContext, CodeVerifier, ThrottlePolicy
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import Session, Stage
from twostep.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: float = 30 * 60  # S15
    absolute_timeout: float = 12 * 3600
    password_max_failures: int = 100  # S11: a hard stop, far above what a typing user reaches
    password_throttle: ThrottlePolicy = field(
        default_factory=lambda: ThrottlePolicy(max_failures=100, base_delay=1.0, max_delay=60.0)
    )
    fresh_window: float = 5 * 60  # S17: sensitive changes need a password (and code) proved this recently


@dataclass(frozen=True)
class Grant:
    """A freshly issued session: the token goes to the browser, the session stays here."""

    token: str
    session: Session


@dataclass(frozen=True)
class CurrentSession:
    session: Session
    user: User


REAUTH_EVENT = "ConsoleReauthentication"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignInService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        verifier: CodeVerifier,
        policy: SessionPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._verifier = verifier
        self.policy = policy or SessionPolicy()

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

    def mfa_step(self, token: str, device_id: str, code: str, source_ip: str | None = None) -> Grant:
        """Check the code; on success the session id rotates (S14). A lockout ends the sign-in (S12)."""
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
                self._verifier.verify(uow, device, code, AttemptContext("ConsoleLogin", user.arn, source_ip))
            except CodeRejected as rejected:
                if rejected.device_locked:
                    with self._uow() as cleanup:
                        cleanup.sessions.delete(session.id_hash)
                        cleanup.commit()
                    raise MfaFailed(ended=True) from rejected
                raise MfaFailed(ended=False, retry_after=rejected.retry_after) from rejected
            grant = self._new_session(user.id, Stage.SIGNED_IN, now, authenticated_at=session.authenticated_at)
            grant = Grant(grant.token, replace(grant.session, mfa_at=now, mfa_device_id=device.id))
            uow.sessions.delete(session.id_hash)
            uow.sessions.add(grant.session)
            uow.audit.append(self._login_event(user, now, source_ip, mfa_used=True))
            uow.commit()
        return grant

    def current(self, token: str | None, *, stage: Stage = Stage.SIGNED_IN) -> CurrentSession:
        """The live session of a token at the given stage, or SessionInvalid; refreshes the idle timer."""
        if not token:
            raise SessionInvalid()
        now = self._clock.now()
        with self._uow() as uow:
            session = self._live(uow, token, now)
            if session.stage is not stage:
                raise SessionInvalid()
            user = uow.users.get(session.user_id)
            if user is None:
                raise SessionInvalid()
            if now - session.last_seen_at > 60:  # a write per minute at most, not per request
                uow.sessions.touch(session.id_hash, now)
                uow.commit()
        return CurrentSession(session, user)

    def update_data(self, session: Session, data: dict[str, object]) -> None:
        with self._uow() as uow:
            uow.sessions.set_data(session.id_hash, dict(data))
            uow.commit()

    def sign_out(self, token: str | None) -> None:
        if not token:
            return
        with self._uow() as uow:
            uow.sessions.delete(hash_token(token))
            uow.commit()

    def sign_out_everywhere(self, user: User) -> int:
        with self._uow() as uow:
            ended = uow.sessions.delete_for_user(user.id)
            uow.audit.append(AuditEvent("SignOutEverywhere", user.account_id, self._clock.now(), actor=user.arn))
            uow.commit()
        return ended

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

    # -- fresh authentication and MFA changes (S17, S18) ---------------------------------------------------------

    def is_fresh(self, current: CurrentSession) -> bool:
        """Whether the password (and, for a user with MFA, a code) was proved within the policy's window (S17)."""
        now = self._clock.now()
        session = current.session
        window = self.policy.fresh_window
        if now - session.authenticated_at > window:
            return False
        with self._uow(readonly=True) as uow:
            has_mfa = uow.devices.count_for_user(session.user_id) > 0
        return not has_mfa or (session.mfa_at is not None and now - session.mfa_at <= window)

    def reauthenticate(
        self,
        token: str,
        *,
        password: str,
        device_id: str | None = None,
        code: str | None = None,
        source_ip: str | None = None,
    ) -> Grant:
        """Prove the password again, and a current code when the user has MFA; the session id rotates.

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
                    self._verifier.verify(uow, device, code or "", context)
                except CodeRejected as rejected:
                    raise MfaFailed(ended=False, retry_after=rejected.retry_after) from rejected
                mfa_at, mfa_device_id = now, device.id
            grant = self._successor(session, now, authenticated_at=now, mfa_at=mfa_at, mfa_device_id=mfa_device_id)
            uow.sessions.delete(session.id_hash)
            uow.sessions.add(grant.session)
            uow.audit.append(self._login_event(user, now, source_ip, mfa_used=bool(devices), name=REAUTH_EVENT))
            uow.commit()
        return grant

    def renew_after_mfa_change(self, session: Session, *, proved_device_id: str | None = None) -> Grant:
        """The session an MFA change was made from continues under a new id; every other one stays ended (S18).

        The change itself ended all of the user's sessions in its own transaction (MfaService), so the session is
        the one the caller found live when the request began. Two enrolment codes just accepted are a fresh proof
        of possession: pass that device as proved_device_id.
        """
        now = self._clock.now()
        if session.stage is not Stage.SIGNED_IN:
            raise SessionInvalid()
        with self._uow() as uow:
            mfa_at, mfa_device_id = session.mfa_at, session.mfa_device_id
            if proved_device_id is not None:
                mfa_at, mfa_device_id = now, proved_device_id
            grant = self._successor(
                session, now, authenticated_at=session.authenticated_at, mfa_at=mfa_at, mfa_device_id=mfa_device_id
            )
            uow.sessions.delete_for_user(session.user_id)
            uow.sessions.add(grant.session)
            uow.commit()
        return grant

    def confirm_code(
        self, user: User, device_id: str, code: str, *, purpose: str, source_ip: str | None = None
    ) -> MfaDevice:
        """Check (and spend) a current code of one of the user's own devices, e.g. before removing it.

        Raises NoSuchDevice for a device the user does not hold and CodeRejected for the code.
        """
        with self._uow() as uow:
            device = next((d for d in uow.devices.for_user(user.id) if d.id == device_id), None)
            if device is None:
                raise NoSuchDevice(device_id)
            self._verifier.verify(uow, device, code, AttemptContext(purpose, user.arn, source_ip))
            uow.commit()
        return device

    # -- internals --------------------------------------------------------------------------------------------

    def _prove_password(
        self, user: User | None, password: str, now: float, source_ip: str | None, event: str = "ConsoleLogin"
    ) -> User:
        """Count the attempt, then run the hash (for unknown users too, S13); a failure is recorded and raised."""
        with self._uow() as uow:
            allowed = user is not None and uow.users.reserve_password_attempt(
                user.id, now, self.policy.password_max_failures
            )
            uow.commit()
        # The hash runs outside any transaction; the failure is already counted.
        ok = self._hasher.verify(user.password_hash if user else None, password) and allowed
        if user is None:
            raise SignInFailed()
        if not ok:
            with self._uow() as uow:
                failures, next_at = uow.users.password_throttle(user.id)
                if allowed:
                    uow.users.set_password_delay(user.id, now + self.policy.password_throttle.delay_after(failures))
                uow.audit.append(self._login_event(user, now, source_ip, error="Failed authentication", name=event))
                uow.commit()
            raise SignInFailed(retry_after=max(0.0, next_at - now) or None)
        return user

    @staticmethod
    def _find_user(uow: UnitOfWork, email: str | None, account_id: str | None, user_name: str | None) -> User | None:
        if email:
            return uow.users.root_by_email(email.strip().lower())
        if account_id and user_name:
            return uow.users.by_name(account_id.strip(), user_name.strip())
        return None

    def _live(self, uow: UnitOfWork, token: str, now: float) -> Session:
        session = uow.sessions.get(hash_token(token))
        if session is None:
            raise SessionInvalid()
        if (
            now - session.last_seen_at > self.policy.idle_timeout
            or now - session.created_at > self.policy.absolute_timeout
        ):
            raise SessionInvalid()
        return session

    @staticmethod
    def _new_session(user_id: str, stage: Stage, now: float, authenticated_at: float | None = None) -> Grant:
        token = secrets.token_urlsafe(32)  # 256 bits (S14)
        session = Session(
            id_hash=hash_token(token),
            user_id=user_id,
            stage=stage,
            created_at=now,
            last_seen_at=now,
            authenticated_at=authenticated_at if authenticated_at is not None else now,
            csrf_token=secrets.token_urlsafe(32),
        )
        return Grant(token, session)

    def _successor(
        self,
        session: Session,
        now: float,
        *,
        authenticated_at: float,
        mfa_at: float | None,
        mfa_device_id: str | None,
    ) -> Grant:
        """A new id for the same signed-in session: its start (absolute timeout) and data carry over."""
        fresh = self._new_session(session.user_id, Stage.SIGNED_IN, now, authenticated_at=authenticated_at)
        carried = replace(
            fresh.session,
            created_at=session.created_at,
            mfa_at=mfa_at,
            mfa_device_id=mfa_device_id,
            data=dict(session.data),
        )
        return Grant(fresh.token, carried)

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
