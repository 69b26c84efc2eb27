"""Checking a passkey assertion: through the one verification path (CodeVerifier.verify_presented), so that a
failed assertion counts against the device like a wrong code - the same failure counter, progressive delays and
lock (S8-S12), reserved before anything is evaluated (S35).

The assertion must answer the session's live authentication challenge, issued for this very device; come from the
device's own credential; pass the library's checks (origin, RP ID, signature, user presence); and carry a
signature counter that grew (when either side is non-zero). A counter that did not grow is refused and recorded as
a possibly cloned authenticator.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.mfa.errors import RejectionReason
from twostep.mfa.models import MfaDevice
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.passkeys import ceremony, challenges
from twostep.passkeys.models import Ceremony, RelyingParty, sign_count_regressed
from twostep.passkeys.ports import PasskeyCheckUnitOfWork

SIGN_COUNT_EVENT = "PasskeySignCountRegressed"


@dataclass(frozen=True)
class PresentedPasskey:
    """An assertion as the browser sent it (parsed, not yet checked) and the relying party it was made for."""

    assertion: ceremony.Assertion
    rp: RelyingParty


class AssertionChecker:
    def __init__(self, verifier: CodeVerifier, clock: Clock) -> None:
        self._verifier = verifier
        self._clock = clock

    def check(
        self,
        uow: PasskeyCheckUnitOfWork,
        session_hash: str,
        device: MfaDevice,
        presented: PresentedPasskey,
        context: AttemptContext,
    ) -> None:
        """Check the assertion inside the caller's transaction; raises CodeRejected (the failure committed)."""
        now = self._clock.now()

        def evaluate() -> RejectionReason | None:
            challenge = challenges.take(uow, session_hash, Ceremony.AUTHENTICATION, now)
            if challenge is None:
                return RejectionReason.STALE
            stored = uow.passkeys.for_device(device.id)
            if (
                challenge.device_id != device.id
                or stored is None
                or not hmac.compare_digest(stored.credential_id, presented.assertion.credential_id)
            ):
                return RejectionReason.WRONG
            try:
                verified = ceremony.verify_assertion(
                    presented.assertion, challenge=challenge.value, rp=presented.rp, public_key=stored.public_key
                )
            except ceremony.CeremonyFailed:
                return RejectionReason.WRONG
            if sign_count_regressed(stored.sign_count, verified.sign_count):
                details = {
                    "serialNumber": device.serial,
                    "storedSignCount": stored.sign_count,
                    "presentedSignCount": verified.sign_count,
                    "purpose": context.purpose,
                }
                uow.audit.append(
                    AuditEvent(
                        SIGN_COUNT_EVENT,
                        device.account_id,
                        now,
                        actor=context.actor,
                        source_ip=context.source_ip,
                        details=details,
                    )
                )
                return RejectionReason.CLONED
            uow.passkeys.record_use(device.id, verified.sign_count, verified.backed_up, now)
            return None

        self._verifier.verify_presented(uow, device, evaluate, context)
