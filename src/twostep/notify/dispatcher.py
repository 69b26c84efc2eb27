"""The transactional outbox: mail for audit events, sent after they commit, once each (S17).

An event exists only if its change committed (architecture rule 4), so reading the audit log after the fact is
the outbox: nothing is mailed for a change that rolled back, and nothing committed is forgotten by a crash.

Every server process runs a dispatcher. For each chain with events past its cursor, a process first claims the
chain with a conditional UPDATE (cursor unchanged, no live claim: only one process wins), then mails the chain's
notifying events in order, moving the cursor after each accepted mail and renewing its claim before each send.
A claim is a lease: if its holder dies, another process takes over when it expires. A mail can therefore be
sent twice only if a process dies between the SMTP server accepting it and the cursor moving; a failed send
is retried later (the chain is left alone for a back-off period) and never skipped.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.notify.messages import NOTIFYING_EVENTS, compose, is_notifying
from twostep.notify.ports import Mailer, MailError, NotificationOutbox, PendingChain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchSettings:
    lease: float = 120.0  # seconds a claim lasts without renewal; far above one SMTP conversation
    retry_after: float = 60.0  # back-off after a failed send
    max_age: float = 86_400.0  # older events are passed over unmailed (e.g. history when mail is first configured)
    chains_per_round: int = 50


def process_owner() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class NotificationDispatcher:
    def __init__(
        self,
        outbox: NotificationOutbox,
        mailer: Mailer,
        clock: Clock,
        settings: DispatchSettings | None = None,
        owner: str | None = None,
        link_for: Callable[[AuditEvent], str | None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._link_for = link_for  # writes the sign-in link of a recovery request (signin/recovery_links.py)
        self.settings = settings or DispatchSettings()
        self.owner = owner or process_owner()

    def run_once(self) -> int:
        """One round over the chains with new events; returns how many mails were sent."""
        sent = 0
        for pending in self._outbox.pending(self._clock.now(), self.settings.chains_per_round):
            sent += self._dispatch(pending)
        return sent

    def _dispatch(self, pending: PendingChain) -> int:
        outbox, settings, chain = self._outbox, self.settings, pending.chain
        now = self._clock.now()
        if not outbox.claim(chain, pending.done_seq, self.owner, now + settings.lease, now):
            return 0  # another process has it
        sent = 0
        try:
            events = outbox.events(chain, pending.done_seq, pending.head_seq, NOTIFYING_EVENTS)
            for recorded in events:
                event = recorded.event
                recipient = outbox.owner_email(event.account_id) if event.account_id else None
                fresh = self._clock.now() - event.at <= settings.max_age
                if is_notifying(event) and recipient and fresh:
                    if not outbox.renew(chain, self.owner, self._clock.now() + settings.lease):
                        return sent  # our lease ran out and another process took over
                    link = self._link_for(event) if self._link_for else None
                    self._mailer.send(compose(recorded, recipient, link))
                    sent += 1
                if not outbox.advance(chain, recorded.seq, self.owner):
                    return sent
            outbox.advance(chain, pending.head_seq, self.owner)
            outbox.release(chain, self.owner)
        except MailError as exc:
            log.warning("notification mail for audit chain %s not sent, retrying later: %s", chain, exc)
            outbox.release(chain, self.owner, retry_at=self._clock.now() + settings.retry_after)
        except BaseException:
            outbox.release(chain, self.owner)
            raise
        return sent
