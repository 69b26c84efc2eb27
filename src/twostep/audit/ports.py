"""What the audit domain needs from storage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from twostep.audit.events import AuditEvent, RecordedEvent


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> RecordedEvent:
        """Chain the event onto its chain's head, in the caller's transaction."""
        ...

    def events(self, account_chain: str | None = None) -> Iterator[RecordedEvent]:
        """Every event (of one account's chains: all its shards), oldest first."""
        ...

    def heads(self) -> dict[str, tuple[int, str]]: ...
