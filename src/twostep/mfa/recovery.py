"""The ways back in when an MFA device is lost: the user's recovery codes, and the operator's break-glass reset.

Recovery codes are owed from the transaction that assigns a user's first device (`owe_after_assignment`, called by
every path that assigns one) and made when they are first shown, so that their plain text exists only in the page
that shows them. Each set replaces the one before; every code is checked by CodeVerifier.verify_recovery_code.
"""

from __future__ import annotations

from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.identity.session_endings import SessionEnd
from twostep.mfa.errors import RecoveryCodesNeedMfa
from twostep.mfa.ports import MfaUnitOfWork
from twostep.mfa.recovery_codes import (
    NO_RECOVERY_CODES,
    RecoveryCodeStatus,
    code_hash,
    hash_key_associated_data,
    new_codes,
    new_hash_key,
)
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.unit_of_work import UnitOfWorkFactory


def owe_after_assignment(uow: MfaUnitOfWork, keyring: KeyRing, user: User) -> None:
    """In the transaction that assigned a device: when it is the user's first one and no unspent recovery code is
    left from before, a new set is owed (shown once, by the page that finishes the assignment)."""
    if uow.devices.count_for_user(user.id) != 1:
        return
    status = uow.recovery_codes.status(user.id)
    if status is not None and status.remaining > 0:
        return
    sealed = keyring.seal(new_hash_key(), hash_key_associated_data(user.id))
    uow.recovery_codes.owe(user.id, user.account_id, sealed)


@dataclass(frozen=True)
class MfaReset:
    """What `twostep user reset-mfa` did."""

    serials: tuple[str, ...]
    recovery_codes_spent: int
    sessions_ended: int


class MfaRecovery:
    def __init__(
        self, uow: UnitOfWorkFactory[MfaUnitOfWork], clock: Clock, keyring: KeyRing, verifier: CodeVerifier
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self.verifier = verifier

    def status(self, user: User) -> RecoveryCodeStatus:
        with self._uow(readonly=True) as uow:
            return uow.recovery_codes.status(user.id) or NO_RECOVERY_CODES

    def issue_owed(self, user: User, *, source_ip: str | None = None) -> tuple[str, ...]:
        """The set owed to a user whose first device was just assigned, made now and returned this once; () when
        none is owed (it was shown already, or the device was not the first)."""
        with self._uow() as uow:
            status = uow.recovery_codes.status(user.id)
            if status is None or not status.pending:
                return ()
            codes = self._replace(uow, user, "CreateRecoveryCodes", user, source_ip)
            uow.commit()
        return codes

    def regenerate(self, user: User, *, actor: Principal, source_ip: str | None = None) -> tuple[str, ...]:
        """A new set replaces every code of the old one (the console asks for a fresh MFA proof first, S17)."""
        with self._uow() as uow:
            if uow.devices.count_for_user(user.id) == 0:
                raise RecoveryCodesNeedMfa()
            codes = self._replace(uow, user, "RegenerateRecoveryCodes", actor, source_ip)
            uow.commit()
        return codes

    def confirm(self, user: User, code: str, *, source_ip: str | None = None) -> None:
        """The user types one code of the set just shown back: it is spent, and the set is known to be saved.
        A wrong code is a failure like any other (CodeRejected)."""
        now = self._clock.now()
        with self._uow() as uow:
            context = AttemptContext("ConfirmRecoveryCodes", user.arn, source_ip)
            self.verifier.verify_recovery_code(uow, user, code, context)
            uow.recovery_codes.confirm(user.id, now)
            uow.audit.append(self._event("ConfirmRecoveryCodes", user, user, now, source_ip))
            uow.commit()

    def unlock(self, user: User, *, actor: Principal) -> int:
        """An administrator clears the recovery codes' failure lock; returns the failures cleared (0: nothing)."""
        with self._uow() as uow:
            state = uow.recovery_codes.throttle_state(user.id)
            if state is None or state == (0, 0.0):
                return 0
            uow.recovery_codes.reset_failures(user.id)
            uow.audit.append(self._event("UnlockRecoveryCodes", user, actor, self._clock.now(), None))
            uow.commit()
        return state[0]

    def reset_mfa(self, user: User, *, actor: Principal) -> MfaReset:
        """Break-glass (`twostep user reset-mfa`): every device of the user is deactivated, every recovery code
        spent, every console session ended, in one transaction with its audit event (mailed to the owner)."""
        now = self._clock.now()
        with self._uow() as uow:
            uow.users.lock(user.id)
            devices = uow.devices.for_user(user.id)
            for device in devices:
                uow.devices.unassign(device.id)
            spent = uow.recovery_codes.spend_all(user.id, now)
            ended = uow.sessions.end_for_user(user.id, SessionEnd.MFA_CHANGED, now)
            serials = tuple(device.serial for device in devices)
            event = self._event("ResetMFA", user, actor, now, None)
            event.details.update(serialNumbers=list(serials), recoveryCodesSpent=spent, sessionsEnded=ended)
            uow.audit.append(event)
            uow.commit()
        return MfaReset(serials, spent, ended)

    def _replace(
        self, uow: MfaUnitOfWork, user: User, event: str, actor: Principal, source_ip: str | None
    ) -> tuple[str, ...]:
        now = self._clock.now()
        key = new_hash_key()
        codes = new_codes()
        sealed = self._keyring.seal(key, hash_key_associated_data(user.id))
        uow.recovery_codes.replace(user.id, user.account_id, sealed, [code_hash(key, c) for c in codes], now)
        uow.audit.append(self._event(event, user, actor, now, source_ip))
        return codes

    @staticmethod
    def _event(name: str, user: User, actor: Principal, now: float, source_ip: str | None) -> AuditEvent:
        details = {"userName": user.name}
        return AuditEvent(name, user.account_id, now, actor=actor.arn, source_ip=source_ip, details=details)
