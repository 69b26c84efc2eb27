"""Account settings: whether every IAM user must have an MFA device to use the console (the root user always
must: signin/mfa_requirement.py), and the grace period before that starts; whether every IAM user may change their
own password (AWS's AllowUsersToChangePassword)."""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity.errors import NoSuchAccount
from twostep.identity.models import Account
from twostep.identity.ports import IdentityUnitOfWork
from twostep.identity.principal import Principal
from twostep.unit_of_work import UnitOfWorkFactory

DAY = 86_400.0
MAX_GRACE_DAYS = 365


class InvalidGracePeriod(ValueError):
    pass


class AccountSettings:
    """Mixed into IdentityService (which sets the attributes)."""

    _uow: UnitOfWorkFactory[IdentityUnitOfWork]
    _clock: Clock

    def set_mfa_requirement(self, account_id: str, required: bool, *, grace_days: int = 0, actor: Principal) -> Account:
        """Require MFA of every console user (or stop); with grace_days, users without a device are let in, with a
        countdown, until that many days from now."""
        if not 0 <= grace_days <= MAX_GRACE_DAYS:
            raise InvalidGracePeriod(f"The grace period is 0 to {MAX_GRACE_DAYS} days.")
        now = self._clock.now()
        grace_until = now + grace_days * DAY if required and grace_days else None
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise NoSuchAccount(f"Account {account_id} does not exist.")
            uow.accounts.set_mfa_requirement(account_id, required, grace_until)
            details = {"requireMfa": required, "graceUntil": grace_until}
            uow.audit.append(
                AuditEvent("UpdateAccountMfaRequirement", account_id, now, actor=actor.arn, details=details)
            )
            uow.commit()
            account = uow.accounts.get(account_id)
        assert account is not None
        return account

    def set_users_may_change_password(self, account_id: str, allowed: bool, *, actor: Principal) -> Account:
        """AWS's AllowUsersToChangePassword: every IAM user of the account may change their own password (the
        console's Change password page, iam:ChangePassword) without a policy that allows it; an explicit Deny
        still refuses."""
        now = self._clock.now()
        with self._uow() as uow:
            if uow.accounts.get(account_id) is None:
                raise NoSuchAccount(f"Account {account_id} does not exist.")
            uow.accounts.set_users_may_change_password(account_id, allowed)
            details = {"allowUsersToChangePassword": allowed}
            uow.audit.append(
                AuditEvent("UpdateAccountPasswordPolicy", account_id, now, actor=actor.arn, details=details)
            )
            uow.commit()
            account = uow.accounts.get(account_id)
        assert account is not None
        return account
