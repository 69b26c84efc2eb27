"""The one path by which any code is checked (architecture rule 2, security bar S2-S10).

Every check, from the console, the IAM API or STS, goes through CodeVerifier inside the caller's unit of
work. The device row is reserved first (counting a failure before the code is evaluated, so that N parallel
wrong codes can never evaluate more than the limit), then every candidate step is evaluated in constant time,
then the accepted step is recorded as spent. A rejection is committed before CodeRejected is raised, so the
failure counts even though the caller's operation fails.

A passkey assertion takes the same path (verify_presented, S35): the same reservation, failure counter,
progressive delays and lock, with the assertion's own check in place of the code's. A code presented for a
passkey device is counted and refused without being evaluated.

A recovery code (mfa/recovery_codes.py) takes the same path with the user's set of codes in the device's place:
its own counter is reserved first, every stored hash is compared, the match is spent, and a failure gets the same
delay, source throttle, lock and audit (`verify_recovery_code`).
"""

from __future__ import annotations

from collections.abc import Callable

from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.mfa.attempts import (  # re-exported: callers import them with the verifier
    ENROLMENT_LAST_STEPS as ENROLMENT_LAST_STEPS,
)
from twostep.mfa.attempts import (
    STEPS_BEHIND as STEPS_BEHIND,
)
from twostep.mfa.attempts import (
    AcceptedCode as AcceptedCode,
)
from twostep.mfa.attempts import (
    AcceptedRecoveryCode as AcceptedRecoveryCode,
)
from twostep.mfa.attempts import (
    AttemptContext as AttemptContext,
)
from twostep.mfa.attempts import (
    resync_search_steps as resync_search_steps,
)
from twostep.mfa.errors import RejectionReason
from twostep.mfa.models import MfaDevice, is_passkey_serial
from twostep.mfa.ports import CodeCheckUnitOfWork, RecoveryCheckUnitOfWork, ReservedAttempt
from twostep.mfa.recovery_codes import canonical, hash_key_associated_data, matching_code
from twostep.mfa.refusals import check_source, fail, refuse_unreserved, wait_for_source
from twostep.mfa.subjects import Subject
from twostep.otp import is_well_formed_code, matching_steps, time_step
from twostep.throttling import Throttling, account_source_key


class CodeVerifier:
    def __init__(
        self,
        keyring: KeyRing,
        clock: Clock,
        throttling: Throttling | None = None,
    ) -> None:
        self._keyring = keyring
        self._clock = clock
        self.throttling = throttling or Throttling()

    def verify(self, uow: CodeCheckUnitOfWork, device: MfaDevice, code: str, context: AttemptContext) -> AcceptedCode:
        """Check one code against the device and spend its step; raises CodeRejected for any failure."""
        now = self._clock.now()
        reserved = self._reserve(uow, device, now, context, bypass_lock=False)
        return self._check_code(uow, device, code, now, reserved, context)

    def verify_owned(
        self,
        uow: CodeCheckUnitOfWork,
        account_id: str,
        owner_id: str,
        code: str,
        context: AttemptContext,
        *,
        serial: str | None = None,
        device_id: str | None = None,
    ) -> AcceptedCode | None:
        """verify() for the device a serial (STS) or an id (the console's MFA step) names, when it is one of owner_id's
        devices; None when it is not (and then nothing was counted or evaluated). The device is read with its attempt
        reserved (one round trip), so the caller need not have read it in this unit of work."""
        if serial is not None and is_passkey_serial(serial):
            return None
        now = self._clock.now()
        limit = self.throttling.max_failures
        source, since = self._source_terms(account_id, now, context)
        device, reserved = uow.devices.reserve_owned(
            account_id, owner_id, now, limit, serial=serial, device_id=device_id, source=source, source_since=since
        )
        if device is None or device.user_id != owner_id:
            assert reserved is None, "an attempt reserved on a device that is not the owner's"
            return None
        reserved = self._reserved_or_refused(uow, device, reserved, now, context, bypass_lock=False)
        return self._check_code(uow, device, code, now, reserved, context)

    def _check_code(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        code: str,
        now: float,
        reserved: ReservedAttempt,
        context: AttemptContext,
    ) -> AcceptedCode:
        """One code against a device whose attempt is reserved: accepted and spent, or CodeRejected."""
        self._refuse_codes_for_passkeys(uow, device, now, reserved, context)
        seed = self._keyring.open(reserved.seed, device.seed_associated_data)
        params = device.params  # a hardware token's own digits, period and hash; the defaults for an app
        current = time_step(now, params.period) + reserved.drift
        matched = matching_steps(seed, code, [current - STEPS_BEHIND + i for i in range(STEPS_BEHIND + 1)], params)
        return self._settle(uow, device, now, reserved, matched, reserved.drift, context, (code,))

    def verify_consecutive(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        code1: str,
        code2: str,
        context: AttemptContext,
        *,
        resync: bool = False,
    ) -> AcceptedCode:
        """Check two consecutive codes (enrolment, resync) and spend both steps.

        Resync searches a wide window and re-centres the device's drift; it may also run on a locked device,
        since two consecutive codes are the fresh proof of possession that unlocks it (S8).
        """
        now = self._clock.now()
        reserved = self._reserve(uow, device, now, context, bypass_lock=resync)
        self._refuse_codes_for_passkeys(uow, device, now, reserved, context)
        seed = self._keyring.open(reserved.seed, device.seed_associated_data)
        params = device.params
        server_step = time_step(now, params.period)
        if resync:
            search = resync_search_steps(params.period)
            offsets = range(-search, search + 1)
        else:
            offsets = range(ENROLMENT_LAST_STEPS[0], ENROLMENT_LAST_STEPS[1] + 1)
        centre = server_step if resync else server_step + reserved.drift
        second = [centre + offset for offset in offsets]
        firsts = matching_steps(seed, code1, [step - 1 for step in second], params)
        seconds = matching_steps(seed, code2, second, params)
        pairs = [step for step in seconds if step - 1 in firsts]
        drift = (max(pairs) - server_step) if (resync and pairs) else reserved.drift
        return self._settle(uow, device, now, reserved, pairs, drift, context, (code1, code2))

    def _refuse_codes_for_passkeys(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        now: float,
        reserved: ReservedAttempt,
        context: AttemptContext,
    ) -> None:
        """A code presented for a passkey device is counted and refused, never evaluated."""
        if device.is_passkey:
            subject = Subject.device(uow, device)
            fail(self.throttling, uow, subject, now, context, RejectionReason.WRONG, reserved.failures)

    def verify_presented(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        evaluate: Callable[[], RejectionReason | None],
        context: AttemptContext,
    ) -> None:
        """Check a secret other than a code (a passkey assertion) on the codes' terms: the attempt is reserved
        first (S35), then ``evaluate`` runs and says why the secret fails (None: it is good). A good one clears the
        failures; a failing one counts like a wrong code, with the same delay, lock and audit, and raises
        CodeRejected. ``evaluate`` may record its own changes (and events) on ``uow``: they commit either way."""
        now = self._clock.now()
        reserved = self._reserve(uow, device, now, context, bypass_lock=False)
        reason = evaluate()
        if reason is not None:
            fail(self.throttling, uow, Subject.device(uow, device), now, context, reason, reserved.failures)
        uow.devices.reset_failures(device.id)

    def _reserve(
        self, uow: CodeCheckUnitOfWork, device: MfaDevice, now: float, context: AttemptContext, *, bypass_lock: bool
    ) -> ReservedAttempt:
        source, since = self._source_terms(device.account_id, now, context)
        limit = self.throttling.max_failures
        # S10 is read in the reserving statement: an address inside its delay leaves the device untouched.
        reserved = uow.devices.reserve_attempt(device.id, now, limit, bypass_lock, source=source, source_since=since)
        return self._reserved_or_refused(uow, device, reserved, now, context, bypass_lock=bypass_lock)

    def _source_terms(self, account_id: str, now: float, context: AttemptContext) -> tuple[str | None, float]:
        """The source address's throttle key (S10) and the time before which its failures are forgotten."""
        return account_source_key(account_id, context.source_ip), now - self.throttling.source_forget_after

    def _reserved_or_refused(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        reserved: ReservedAttempt | None,
        now: float,
        context: AttemptContext,
        *,
        bypass_lock: bool,
    ) -> ReservedAttempt:
        """A reservation's outcome: nothing reserved is refused (the source's delay, the device's delay or lock);
        a source with recent failures is waited for under its row lock (S10)."""
        subject = Subject.device(uow, device)
        if reserved is None:
            check_source(self.throttling, uow, subject, now, context)  # the address's delay, when that is why
            refuse_unreserved(
                self.throttling, uow, subject, uow.devices.throttle_state(device.id), now, context, bypass_lock
            )
        if reserved.source_recent:
            wait_for_source(self.throttling, uow, subject, now, context)
        return reserved

    def _settle(
        self,
        uow: CodeCheckUnitOfWork,
        device: MfaDevice,
        now: float,
        reserved: ReservedAttempt,
        matched: list[int],
        drift: int,
        context: AttemptContext,
        codes: tuple[str, ...],
    ) -> AcceptedCode:
        if matched:
            step = max(matched)
            # Every step a code stands for must be unspent: for a pair, that includes the earlier one.
            earliest = step - (len(codes) - 1)
            if earliest > reserved.last_used_step and uow.devices.consume(device.id, step, drift):
                return AcceptedCode(step, drift)
            reason = RejectionReason.REPLAYED
        elif not all(is_well_formed_code(code, device.params.digits) for code in codes):
            reason = RejectionReason.MALFORMED
        else:
            reason = RejectionReason.WRONG
        fail(self.throttling, uow, Subject.device(uow, device), now, context, reason, reserved.failures)

    # -- recovery codes ---------------------------------------------------------------------------------------

    def verify_recovery_code(
        self, uow: RecoveryCheckUnitOfWork, user: User, code: str, context: AttemptContext
    ) -> AcceptedRecoveryCode:
        """Check one of the user's recovery codes and spend it, by the same rules as a device's code: the source
        waits out its delay, the set's counter is reserved before anything is evaluated (S35), every stored hash
        is compared, and a failure is delayed, counted, locked at the limit and audited (CodeRejected)."""
        now = self._clock.now()
        subject = Subject.recovery_codes(uow, user)
        recent = check_source(self.throttling, uow, subject, now, context)
        reserved = uow.recovery_codes.reserve_attempt(user.id, now, self.throttling.max_failures)
        if reserved is None:
            state = uow.recovery_codes.throttle_state(user.id)
            if state is not None:
                refuse_unreserved(self.throttling, uow, subject, state, now, context)
            # No codes at all: nothing matches.
            fail(self.throttling, uow, subject, now, context, RejectionReason.WRONG, 0)
        if recent:
            wait_for_source(self.throttling, uow, subject, now, context)
        key = self._keyring.open(reserved.hash_key, hash_key_associated_data(user.id))
        match = matching_code(key, code, reserved.codes)
        if match is not None and not match.used and uow.recovery_codes.spend(user.id, match.position, now):
            return AcceptedRecoveryCode(match.position)
        if match is not None:
            reason = RejectionReason.REPLAYED
        elif canonical(code) is None:
            reason = RejectionReason.MALFORMED
        else:
            reason = RejectionReason.WRONG
        fail(self.throttling, uow, subject, now, context, reason, reserved.failures)
