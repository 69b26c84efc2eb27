"""The one guarded check of a console password (S11, S13, S35): reserve the attempt, evaluate, count, audit. The
password step of sign-in, re-authentication and a change of one's own password all go through it."""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.models import User
from twostep.signin.errors import SignInFailed
from twostep.signin.ports import SignInUnitOfWork
from twostep.signin.settings import SignInSettings
from twostep.unit_of_work import UnitOfWorkFactory


class PasswordCheck:
    """Mixed into SignInService (which sets the attributes)."""

    _uow: UnitOfWorkFactory[SignInUnitOfWork]
    _clock: Clock
    _hasher: PasswordHasher
    settings: SignInSettings

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
