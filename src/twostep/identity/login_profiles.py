"""Login profiles: an IAM user's console password (CreateLoginProfile, UpdateLoginProfile, DeleteLoginProfile)."""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.passwords import PasswordHasher
from twostep.identity.errors import LoginProfileExists, NoLoginProfile, NoSuchUser
from twostep.identity.models import User
from twostep.identity.password_policy import PasswordPolicy
from twostep.identity.ports import IdentityUnitOfWork
from twostep.identity.principal import Principal
from twostep.identity.session_endings import SessionEnd
from twostep.unit_of_work import UnitOfWorkFactory


class LoginProfiles:
    """The login-profile part of IdentityService (mixed in; IdentityService sets the attributes)."""

    _uow: UnitOfWorkFactory[IdentityUnitOfWork]
    _clock: Clock
    _hasher: PasswordHasher
    password_policy: PasswordPolicy

    def set_login_profile(
        self,
        account_id: str,
        name: str,
        password: str,
        *,
        actor: Principal,
        create: bool,
        reset_required: bool = False,
    ) -> User:
        """CreateLoginProfile (create=True) or UpdateLoginProfile (create=False)."""
        self.password_policy.check(password)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if create and user.has_login_profile:
                raise LoginProfileExists(name)
            if not create and not user.has_login_profile:
                raise NoLoginProfile(name)
            uow.users.set_password(user.id, password_hash, reset_required, now)
            if not create:
                uow.sessions.end_for_user(user.id, SessionEnd.PASSWORD_CHANGED, now)  # S18: every session ends
            event = "CreateLoginProfile" if create else "UpdateLoginProfile"
            uow.audit.append(AuditEvent(event, account_id, now, actor=actor.arn, details={"userName": name}))
            uow.commit()
            updated = uow.users.get(user.id)
        assert updated is not None
        return updated

    def set_password_reset_required(self, account_id: str, name: str, required: bool, *, actor: Principal) -> None:
        """UpdateLoginProfile without a new password: only the must-change-at-next-sign-in flag changes."""
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if user.password_hash is None:
                raise NoLoginProfile(name)
            uow.users.set_password(user.id, user.password_hash, required, now)
            details = {"userName": name, "passwordResetRequired": required}
            uow.audit.append(AuditEvent("UpdateLoginProfile", account_id, now, actor=actor.arn, details=details))
            uow.commit()

    def delete_login_profile(self, account_id: str, name: str, *, actor: Principal) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if not user.has_login_profile:
                raise NoLoginProfile(name)
            uow.users.set_password(user.id, None, False, now)
            uow.sessions.end_for_user(user.id, SessionEnd.ENDED_BY_ADMIN, now)
            uow.audit.append(
                AuditEvent("DeleteLoginProfile", account_id, now, actor=actor.arn, details={"userName": name})
            )
            uow.commit()
