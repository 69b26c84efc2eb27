"""What notification needs from the outside: a way to send mail, and the outbox (the audit log plus cursors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from twostep.audit.events import RecordedEvent


class MailError(Exception):
    """The mail was not accepted (server unreachable, refused, TLS unavailable): try again later."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    def send(self, mail: Mail) -> None:
        """Hand the mail to a server that accepted it, or raise MailError."""
        ...


@dataclass(frozen=True)
class PendingChain:
    chain: str
    done_seq: int  # every event up to here is handled
    head_seq: int


class NotificationOutbox(Protocol):
    """The audit log read as an outbox. Each method is one short transaction of its own."""

    def pending(self, now: float, limit: int) -> list[PendingChain]:
        """Chains with events past their cursor that nobody holds a live claim on."""
        ...

    def claim(self, chain: str, done_seq: int, owner: str, until: float, now: float) -> bool:
        """Take the chain until `until`, if its cursor is still at done_seq and unclaimed (a conditional UPDATE)."""
        ...

    def renew(self, chain: str, owner: str, until: float) -> bool:
        """Extend our claim; False if another process has taken the chain over."""
        ...

    def events(self, chain: str, after: int, through: int, names: frozenset[str]) -> list[RecordedEvent]: ...

    def advance(self, chain: str, seq: int, owner: str) -> bool:
        """Record that events up to seq are handled (only while we hold the claim)."""
        ...

    def release(self, chain: str, owner: str, retry_at: float | None = None) -> None:
        """Give the claim up; with retry_at, nobody takes the chain again before then (after a mail failure)."""
        ...

    def owner_email(self, account_id: str) -> str | None:
        """The account root user's email address."""
        ...
