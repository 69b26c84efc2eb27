"""Console sessions once issued: finding the live one, renewing its id, ending it (S14, S15, S17, S18)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity.models import User
from twostep.identity.session_endings import ENDED_SESSION_RETENTION, SessionEnd
from twostep.mfa.models import MfaDevice
from twostep.signin.errors import SessionInvalid
from twostep.signin.mfa_requirement import NOT_REQUIRED, requirement_for
from twostep.signin.models import LOST_DEVICES_KEY, CurrentSession, Grant, Session, Stage
from twostep.signin.ports import SignInUnitOfWork
from twostep.signin.settings import SignInSettings
from twostep.unit_of_work import UnitOfWorkFactory


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """The session part of SignInService (mixed in; SignInService sets the attributes)."""

    _uow: UnitOfWorkFactory[SignInUnitOfWork]
    _clock: Clock
    settings: SignInSettings

    def current(self, token: str | None, *, stage: Stage | tuple[Stage, ...] = Stage.SIGNED_IN) -> CurrentSession:
        """The live session of a token at the given stage (or one of them), or SessionInvalid; refreshes the idle
        timer. A signed-in session also says whether its user must assign an MFA device first (required MFA)."""
        return self._current(token, stage)[0]

    def half_signed_in(self, token: str | None) -> tuple[CurrentSession, list[MfaDevice]]:
        """The session that passed the password step and waits for its MFA step, and its user's devices (read
        together); SessionInvalid when there is none."""
        return self._current(token, Stage.NEEDS_MFA)

    def _current(self, token: str | None, stage: Stage | tuple[Stage, ...]) -> tuple[CurrentSession, list[MfaDevice]]:
        if not token:
            raise SessionInvalid()
        now = self._clock.now()
        # Read without a transaction (no BEGIN and ROLLBACK: two round trips on PostgreSQL, on every console page),
        # the session, its user and their devices in one round trip.
        with self._uow(readonly=True) as uow:
            found = uow.sessions.get_with_user(hash_token(token))
            if found is None:
                raise SessionInvalid()
            session, user, devices = found
            self._check_live(session, now)
            if session.stage not in (stage if isinstance(stage, tuple) else (stage,)) or user is None:
                raise SessionInvalid()
            requirement = NOT_REQUIRED
            if session.stage is Stage.SIGNED_IN:
                account = None if devices or user.is_root else uow.accounts.get(user.account_id)
                requirement = requirement_for(user, account, bool(devices), now)
        if now - session.last_seen_at > 60:  # a write per minute at most, not per request
            with self._uow() as uow:
                uow.sessions.touch(session.id_hash, now)
                uow.commit()
        return CurrentSession(session, user, requirement), devices

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
        now = self._clock.now()
        with self._uow() as uow:
            ended = uow.sessions.end_for_user(user.id, SessionEnd.SIGNED_OUT_EVERYWHERE, now)
            uow.audit.append(AuditEvent("SignOutEverywhere", user.account_id, now, actor=user.arn))
            uow.commit()
        return ended

    def ended_session(self, token: str | None) -> tuple[SessionEnd, User | None] | None:
        """Why the session of this token was ended, if it was ended by a change (S18) within the retention, and its
        user: for the sign-in page the holder of the old cookie is sent to. Without the cookie nothing is found."""
        if not token:
            return None
        with self._uow(readonly=True) as uow:
            ended = uow.sessions.ended(hash_token(token), self._clock.now() - ENDED_SESSION_RETENTION)
            if ended is None:
                return None
            return ended.reason, uow.users.get(ended.user_id)

    def is_fresh(
        self, current: CurrentSession, *, password_on_form: bool = False, wizard_started_at: float | None = None
    ) -> bool:
        """Whether the password (and, for a user with MFA, a code) was proved within the fresh window (S17); with
        password_on_form, the change itself proves the password, and only the code must be recent.

        For the Assign MFA device wizard, pass when it started: a proof that was fresh then stays good until the
        enrolment window after that start has passed (at most fresh_window + enrolment_window old in all).
        """
        now = self._clock.now()
        session = current.session
        if session.stage is Stage.RECOVERY:  # the alternative factors were proved for this short session alone
            return True
        at = now
        if wizard_started_at is not None and 0 <= now - wizard_started_at <= self.settings.enrolment_window:
            at = wizard_started_at  # measured from the wizard's start
        window = self.settings.fresh_window
        if not password_on_form and at - session.authenticated_at > window:
            return False
        with self._uow(readonly=True) as uow:
            has_mfa = uow.devices.count_for_user(session.user_id) > 0
        return not has_mfa or (session.mfa_at is not None and at - session.mfa_at <= window)

    def renew_after_mfa_change(self, session: Session, *, proved_device_id: str | None = None) -> Grant:
        """The session an MFA change was made from continues under a new id; every other one stays ended (S18).

        The change itself ended all of the user's sessions in its own transaction (MfaService), so the session is
        the one the caller found live when the request began. Two enrolment codes just accepted are a fresh proof
        of possession: pass that device as proved_device_id.
        """
        now = self._clock.now()
        if session.stage not in (Stage.SIGNED_IN, Stage.RECOVERY):
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

    # -- internals --------------------------------------------------------------------------------------------

    def _live(self, uow: SignInUnitOfWork, token: str, now: float) -> Session:
        session = uow.sessions.get(hash_token(token))
        if session is None:
            raise SessionInvalid()
        self._check_live(session, now)
        return session

    def _check_live(self, session: Session, now: float) -> None:
        """SessionInvalid for a session past its idle or absolute timeout (or a recovery session past its own)."""
        if (
            now - session.last_seen_at > self.settings.idle_timeout
            or now - session.created_at > self.settings.absolute_timeout
        ):
            raise SessionInvalid()
        if session.stage is Stage.RECOVERY and now - session.created_at > self.settings.recovery_session_lifetime:
            raise SessionInvalid()

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
        """A new id for the same signed-in session: its start (absolute timeout) and data carry over (a recovery
        session's list of lost devices excepted: the successor is an ordinary session)."""
        fresh = self._new_session(session.user_id, Stage.SIGNED_IN, now, authenticated_at=authenticated_at)
        carried = replace(
            fresh.session,
            created_at=session.created_at,
            mfa_at=mfa_at,
            mfa_device_id=mfa_device_id,
            data={key: value for key, value in session.data.items() if key != LOST_DEVICES_KEY},
        )
        return Grant(fresh.token, carried)
