"""Console sign-in: password step, MFA step, server-side sessions (S11-S15, S18)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
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


@dataclass(frozen=True)
class Grant:
    """A freshly issued session: the token goes to the browser, the session stays here."""

    token: str
    session: Session


@dataclass(frozen=True)
class CurrentSession:
    session: Session
    user: User


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
        with self._uow() as uow:
            user = self._find_user(uow, email, account_id, user_name)
            allowed = user is not None and uow.users.reserve_password_attempt(
                user.id, now, self.policy.password_max_failures
            )
            uow.commit()
        # The hash runs outside any transaction, for unknown users too (S13); the failure is already counted.
        ok = self._hasher.verify(user.password_hash if user else None, password) and allowed
        if user is None:
            raise SignInFailed()
        with self._uow() as uow:
            if not ok:
                failures, next_at = uow.users.password_throttle(user.id)
                if allowed:
                    uow.users.set_password_delay(user.id, now + self.policy.password_throttle.delay_after(failures))
                uow.audit.append(self._login_event(user, now, source_ip, error="Failed authentication"))
                uow.commit()
                raise SignInFailed(retry_after=max(0.0, next_at - now) or None)
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

    # -- internals --------------------------------------------------------------------------------------------

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

    @staticmethod
    def _login_event(
        user: User,
        now: float,
        source_ip: str | None,
        *,
        mfa_used: bool | None = None,
        error: str | None = None,
    ) -> AuditEvent:
        return AuditEvent(
            "ConsoleLogin",
            user.account_id,
            now,
            actor=user.arn,
            source_ip=source_ip,
            mfa_used=mfa_used,
            error_code=error,
        )
