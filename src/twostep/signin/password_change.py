"""Changing one's own console password (the console's Change password page and IAM's ChangePassword).

The current password is proved through the sign-in's own guarded check (password_check.py: the attempt reserved
and counted before the hash runs, the delay and the hard stop of S11, the failure audited). Then, in one
transaction with its audit event (S29): the new hash, the must-change flag cleared, and every console session of
the user ended (S18) but the one the change was made from, which continues under a new id (S14). The event
(ChangePassword) is mailed to the account's owner (notify/, S17).
"""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.identity.errors import NoLoginProfile, PasswordUnchanged
from twostep.identity.models import User
from twostep.identity.password_policy import PasswordPolicy
from twostep.identity.session_endings import SessionEnd
from twostep.signin.models import Grant, Session
from twostep.signin.password_check import PasswordCheck
from twostep.signin.sessions import Sessions

CHANGE_PASSWORD_EVENT = "ChangePassword"


class PasswordChanges(PasswordCheck, Sessions):
    """Mixed into SignInService (which sets the attributes)."""

    password_policy: PasswordPolicy

    def change_password(
        self,
        user: User,
        *,
        old_password: str,
        new_password: str,
        source_ip: str | None = None,
        keep: Session | None = None,
    ) -> Grant | None:
        """Replace the user's password with `new_password` once `old_password` is proved.

        A new password the policy refuses (PasswordRejected), or the current one again (PasswordUnchanged), is
        refused before the current password is looked at: nothing is counted. A wrong or throttled current
        password raises SignInFailed, counted like a sign-in. `keep` is the console session the change was made
        from: it continues under the returned grant; every other session of the user ends (all of them when the
        change comes through the API).
        """
        self.password_policy.check(new_password)
        if new_password == old_password:
            raise PasswordUnchanged()
        if not user.has_login_profile:
            raise NoLoginProfile(user.name)
        now = self._clock.now()
        self._prove_password(user, old_password, now, source_ip, CHANGE_PASSWORD_EVENT)
        new_hash = self._hasher.hash(new_password)
        with self._uow() as uow:
            uow.users.set_password(user.id, new_hash, False, now)  # clears the failures and the must-change flag
            uow.sessions.end_for_user(user.id, SessionEnd.PASSWORD_CHANGED, now)  # other tabs are told why
            grant = None
            if keep is not None:
                grant = self._successor(
                    keep, now, authenticated_at=now, mfa_at=keep.mfa_at, mfa_device_id=keep.mfa_device_id
                )
                uow.sessions.add(grant.session)
            details = {"userName": user.name, "passwordResetRequired": user.password_reset_required}
            uow.audit.append(
                AuditEvent(
                    CHANGE_PASSWORD_EVENT, user.account_id, now, actor=user.arn, source_ip=source_ip, details=details
                )
            )
            uow.commit()
        return grant
