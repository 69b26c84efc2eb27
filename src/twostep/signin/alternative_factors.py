"""Sign in using alternative factors (the MFA page's "Having trouble with your MFA device?"), as AWS offers it.

- The root user: a link mailed to the account's address (single use, 15 minutes, bound to this half-signed-in
  session) and one of the recovery codes. Both are required.
- An IAM user: one of the recovery codes (AWS sends IAM users to their administrator; twostep also lets them use
  the codes they saved).

Every code goes through the one verifier (reserved first, counted, delayed, locked, audited). The result is a
RECOVERY session, which reaches only Security credentials until a new device is assigned (the devices signed in
without are then retired) or the lost one deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.signin.errors import MfaFailed, RecoveryLinkRefused, RecoveryNotOffered, SessionInvalid
from twostep.signin.models import LOST_DEVICES_KEY, Grant, Session, Stage
from twostep.signin.ports import AlternativeFactorsUnitOfWork
from twostep.signin.recovery_links import (
    LINK_LIFETIME,
    PURPOSE,
    REQUESTED_EVENT,
    RecoveryLink,
    link_id_of,
    new_link_id,
    token_matches,
)
from twostep.signin.sessions import Sessions
from twostep.signin.settings import SignInSettings
from twostep.unit_of_work import UnitOfWorkFactory

LINKS_PER_HOUR = 5  # an attacker who knows the password cannot flood the owner's mailbox
RECOVERY_EVENT = "ConsoleLoginWithRecoveryCode"


@dataclass(frozen=True)
class RecoveryOptions:
    """What the page offers the half-signed-in user."""

    user: User
    remaining_codes: int


class AlternativeFactors(Sessions):
    _uow: UnitOfWorkFactory[AlternativeFactorsUnitOfWork]

    def __init__(
        self,
        uow: UnitOfWorkFactory[AlternativeFactorsUnitOfWork],
        clock: Clock,
        keyring: KeyRing,
        verifier: CodeVerifier,
        settings: SignInSettings | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self.verifier = verifier
        self.settings = settings or SignInSettings()

    def options(self, token: str) -> RecoveryOptions:
        with self._uow(readonly=True) as uow:
            _, user = self._half_signed_in(uow, token)
            status = uow.recovery_codes.status(user.id)
        return RecoveryOptions(user, status.remaining if status else 0)

    def request_link(self, token: str, *, verify_url: str, source_ip: str | None = None) -> None:
        """Mail the root user a sign-in link (through the audit log's outbox); a new one withdraws the last."""
        now = self._clock.now()
        with self._uow() as uow:
            session, user = self._half_signed_in(uow, token)
            if not user.is_root or uow.recovery_links.count_since(user.id, now - 3600) >= LINKS_PER_HOUR:
                raise RecoveryNotOffered()
            key_id, _ = self._keyring.derive(PURPOSE)
            link = RecoveryLink(new_link_id(), user.id, session.id_hash, key_id, now, now + LINK_LIFETIME)
            uow.recovery_links.withdraw_for_session(session.id_hash, now)
            uow.recovery_links.add(link)
            details = {"userName": user.name, "linkId": link.id, "keyId": key_id, "verifyUrl": verify_url}
            uow.audit.append(
                AuditEvent(REQUESTED_EVENT, user.account_id, now, actor=user.arn, source_ip=source_ip, details=details)
            )
            uow.commit()

    def check_link(self, token: str, link_token: str) -> None:
        """Whether the mailed link may be used from this session now (RecoveryLinkRefused if not); spends nothing."""
        with self._uow(readonly=True) as uow:
            session, _ = self._half_signed_in(uow, token)
            self._usable_link(uow, session, link_token, self._clock.now())

    def recover(self, token: str, *, code: str, link_token: str | None = None, source_ip: str | None = None) -> Grant:
        """Check the alternative factors and open a RECOVERY session (the id rotates, S14). A wrong code counts
        like any failed code (MfaFailed); a lockout ends the half-finished sign-in (S12)."""
        now = self._clock.now()
        with self._uow() as uow:
            session, user = self._half_signed_in(uow, token)
            link = self._usable_link(uow, session, link_token or "", now) if user.is_root else None
            context = AttemptContext(RECOVERY_EVENT, user.arn, source_ip)
            try:
                self.verifier.verify_recovery_code(uow, user, code, context)
            except CodeRejected as rejected:
                if rejected.device_locked:
                    with self._uow() as cleanup:
                        cleanup.sessions.delete(session.id_hash)
                        cleanup.commit()
                    raise MfaFailed(ended=True) from rejected
                raise MfaFailed(ended=False, retry_after=rejected.retry_after, reason=rejected.reason) from rejected
            if link is not None and not uow.recovery_links.use(link.id, now):
                raise RecoveryLinkRefused("used")  # a parallel request spent it first: this one changes nothing
            lost = [device.id for device in uow.devices.for_user(user.id)]
            fresh = self._new_session(user.id, Stage.RECOVERY, now, authenticated_at=session.authenticated_at)
            grant = Grant(fresh.token, replace(fresh.session, mfa_at=now, data={LOST_DEVICES_KEY: lost}))
            uow.sessions.delete(session.id_hash)
            uow.sessions.add(grant.session)
            status = uow.recovery_codes.status(user.id)
            details = {"userName": user.name, "remaining": status.remaining if status else 0}
            uow.audit.append(
                AuditEvent(
                    RECOVERY_EVENT,
                    user.account_id,
                    now,
                    actor=user.arn,
                    source_ip=source_ip,
                    mfa_used=True,
                    details=details,
                )
            )
            uow.commit()
        return grant

    # -- internals --------------------------------------------------------------------------------------------

    def _half_signed_in(self, uow: AlternativeFactorsUnitOfWork, token: str) -> tuple[Session, User]:
        session = self._live(uow, token, self._clock.now())
        user = uow.users.get(session.user_id)
        if session.stage is not Stage.NEEDS_MFA or user is None:
            raise SessionInvalid()
        return session, user

    def _usable_link(
        self, uow: AlternativeFactorsUnitOfWork, session: Session, link_token: str, now: float
    ) -> RecoveryLink:
        link_id = link_id_of(link_token)
        link = uow.recovery_links.get(link_id) if link_id else None
        if link is None or link.user_id != session.user_id or not token_matches(self._keyring, link, link_token):
            raise RecoveryLinkRefused("unknown")
        if link.used_at is not None:
            raise RecoveryLinkRefused("used")
        if now >= link.expires_at:
            raise RecoveryLinkRefused("expired")
        if link.session_hash != session.id_hash:
            raise RecoveryLinkRefused("other-session")
        return link
