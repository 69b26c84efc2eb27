"""How an attempt the verifier refuses is refused: the source address's delay (S10), the subject's progressive
delay and lock (S8, S9), and the rejection's audit event, committed before CodeRejected is raised (so the failure
counts though the caller's operation fails). mfa/verifier.py decides; these carry it out."""

from __future__ import annotations

from typing import NoReturn

from twostep.audit.events import AuditEvent
from twostep.mfa.attempts import AttemptContext
from twostep.mfa.errors import CodeRejected, RejectionReason
from twostep.mfa.ports import CodeCheckUnitOfWork
from twostep.mfa.subjects import Subject
from twostep.throttling import Throttling, account_source_key


def check_source(
    throttling: Throttling, uow: CodeCheckUnitOfWork, subject: Subject, now: float, context: AttemptContext
) -> bool:
    """S10, before the subject is touched: an address inside its delay has nothing evaluated, on any device.
    A read without a lock; True when the source has recent failures, so that wait_for_source must follow."""
    source = account_source_key(subject.account_id, context.source_ip)
    if source is None:
        return False
    until = uow.source_throttles.recent_delay(source, now, throttling.source_forget_after)
    if until is not None and until > now:
        reject(uow, subject, now, context, RejectionReason.THROTTLED, until - now, locked=False)
    return until is not None


def wait_for_source(
    throttling: Throttling, uow: CodeCheckUnitOfWork, subject: Subject, now: float, context: AttemptContext
) -> None:
    """A source with recent failures, once the subject is reserved: its row is locked (parallel attempts from it
    queue here) and its delay read again; inside it, the reservation is taken back and nothing is evaluated."""
    source = account_source_key(subject.account_id, context.source_ip)
    assert source is not None
    until = uow.source_throttles.wait_until(source, now, throttling.source_forget_after)
    if until > now:
        subject.release()
        reject(uow, subject, now, context, RejectionReason.THROTTLED, until - now, locked=False)


def refuse_unreserved(
    throttling: Throttling,
    uow: CodeCheckUnitOfWork,
    subject: Subject,
    state: tuple[int, float],
    now: float,
    context: AttemptContext,
    bypass_lock: bool = False,
) -> NoReturn:
    failures, next_attempt_at = state
    locked = failures >= throttling.max_failures and not bypass_lock
    reason = RejectionReason.LOCKED if locked else RejectionReason.THROTTLED
    retry_after = None if locked else max(0.0, next_attempt_at - now)
    reject(uow, subject, now, context, reason, retry_after, locked=locked)


def fail(
    throttling: Throttling,
    uow: CodeCheckUnitOfWork,
    subject: Subject,
    now: float,
    context: AttemptContext,
    reason: RejectionReason,
    failures: int,
) -> NoReturn:
    """A failed attempt: its subject's progressive delay, the source's count and delay, the lock's audit
    event when this failure reached the limit, then the rejection (committed, raised)."""
    delay = throttling.delay_after(failures)
    if failures:
        subject.set_delay(now + delay)
    source = account_source_key(subject.account_id, context.source_ip)
    if source is not None:
        counted = uow.source_throttles.record_failure(source, now, throttling.source_forget_after)
        uow.source_throttles.set_delay(source, now + throttling.source_delay_after(counted))
    locked = failures >= throttling.max_failures
    if failures == throttling.max_failures:
        uow.audit.append(_event(subject.locked_event, subject, now, context, None))
    reject(uow, subject, now, context, reason, None if locked else delay or None, locked=locked)


def reject(
    uow: CodeCheckUnitOfWork,
    subject: Subject,
    now: float,
    context: AttemptContext,
    reason: RejectionReason,
    retry_after: float | None,
    *,
    locked: bool,
) -> NoReturn:
    uow.audit.append(_event(subject.rejected_event, subject, now, context, reason))
    uow.commit()
    raise CodeRejected(reason, retry_after, device_locked=locked)


def _event(
    name: str, subject: Subject, now: float, context: AttemptContext, reason: RejectionReason | None
) -> AuditEvent:
    return AuditEvent(
        name,
        subject.account_id,
        now,
        actor=context.actor,
        source_ip=context.source_ip,
        error_code=reason.value if reason else None,
        details={**subject.details, "purpose": context.purpose},
    )
