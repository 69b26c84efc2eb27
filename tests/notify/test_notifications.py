"""S17: the owner hears about MFA and password changes, lockouts and replayed codes, by mail, once each.

Mail goes to a real SMTP server (aiosmtpd on 127.0.0.1) and the tests read what it received. The database tests
run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import code_at
from tests.server_harness import free_port
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext
from twostep.notify.dispatcher import DispatchSettings, NotificationDispatcher
from twostep.notify.smtp import SmtpConfigError, SmtpMailer, SmtpSettings

ROOT_EMAIL = "owner@example.com"
PASSWORDS = ["correct horse battery", "first console password", "second console password"]


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = [content for _, content in self.received]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]  # type: ignore[misc]

    @property
    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@dataclass
class Smtp:
    inbox: Inbox
    port: int

    def settings(self, **overrides: Any) -> SmtpSettings:
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "starttls": False,
            "sender": "mfa@example.com",
        }
        return SmtpSettings(**{**options, **overrides})


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield Smtp(inbox, controller.port)
    finally:
        controller.stop()


def dispatcher(services: Services, clock: FrozenClock, smtp: SmtpSettings, **dispatch: Any) -> NotificationDispatcher:
    return NotificationDispatcher(
        services.database.notification_outbox(), SmtpMailer(smtp), clock, DispatchSettings(**dispatch)
    )


@dataclass
class Story:
    root: User
    alice: User
    seed: bytes
    codes: list[str] = field(default_factory=list)


def verify(services: Services, user: User, serial: str, code: str, purpose: str = "ConsoleLogin") -> None:
    device = services.mfa.device(user.account_id, serial)
    with services.uow() as uow:
        services.verifier.verify(uow, device, code, AttemptContext(purpose, user.arn, "198.51.100.4"))
        uow.commit()


def live_through(services: Services, clock: FrozenClock) -> Story:
    """Everything S17 mails about, plus what it must not (a routine wrong code, a new user, a new login profile)."""
    _, root = services.identity.create_account(ROOT_EMAIL, PASSWORDS[0])
    alice = services.identity.create_user(root.account_id, "alice", actor=root)
    services.identity.set_login_profile(root.account_id, "alice", PASSWORDS[1], actor=root, create=True)
    services.identity.set_login_profile(root.account_id, "alice", PASSWORDS[2], actor=root, create=False)
    new = services.mfa.create_virtual_device(root.account_id, "alice-phone", actor=alice)
    serial, story = new.device.serial, Story(root, alice, new.seed)
    now = clock.now()
    story.codes += [code_at(new.seed, now - 30), code_at(new.seed, now)]
    services.mfa.enable(alice, serial, *story.codes, actor=alice, source_ip="198.51.100.4")  # mailed
    with pytest.raises(CodeRejected):
        verify(services, alice, serial, story.codes[1])  # replayed: mailed
    clock.advance(5)
    with pytest.raises(CodeRejected):
        verify(services, alice, serial, "000000" if story.codes[1] != "000000" else "111111")  # wrong: not mailed
    clock.advance(120)
    now = clock.now()
    resync = [code_at(new.seed, now - 30), code_at(new.seed, now)]
    story.codes += resync
    services.mfa.resync(alice, serial, *resync, actor=alice)  # mailed
    for _ in range(10):  # locked at the tenth: mailed once
        clock.advance(301)
        with pytest.raises(CodeRejected):
            verify(services, alice, serial, "999999" if code_at(new.seed, clock.now()) != "999999" else "888888")
    services.mfa.deactivate(alice, serial, actor=root)  # mailed
    services.mfa.delete(root.account_id, serial, actor=root)  # mailed
    return story


EXPECTED = [
    "twostep: Password changed for IAM user alice",
    "twostep: MFA device added for IAM user alice",
    "twostep: An already used MFA code was tried for IAM user alice",
    "twostep: MFA device resynchronised for IAM user alice",
    "twostep: MFA device locked for IAM user alice",
    "twostep: MFA device removed from IAM user alice",
    "twostep: MFA device deleted",
]


def secret_forms(story: Story) -> list[bytes]:
    b32 = base64.b32encode(story.seed)
    forms = [story.seed, b32, b32.rstrip(b"="), b32.lower(), base64.b64encode(story.seed), story.seed.hex().encode()]
    return forms + [c.encode() for c in story.codes] + [p.encode() for p in PASSWORDS]


def test_each_event_is_mailed_once_to_the_owner(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    story = live_through(services, clock)
    sender = dispatcher(services, clock, smtp.settings())
    assert sender.run_once() == len(EXPECTED)
    assert smtp.inbox.subjects == EXPECTED
    for recipients, raw in smtp.inbox.received:
        assert recipients == [ROOT_EMAIL]
        for secret in secret_forms(story):
            assert secret not in raw, f"{secret!r} in a mail"
    messages = smtp.inbox.messages
    assert all(m["From"] == "mfa@example.com" and m["To"] == ROOT_EMAIL for m in messages)
    enabled = messages[1].get_content()
    assert "IAM user alice" in enabled and f"arn:aws:iam::{story.root.account_id}:mfa/alice-phone" in enabled
    assert "198.51.100.4" in enabled and "2027-01-15" in enabled
    assert "resynchronised" in messages[3].get_content()
    # Nothing new: nothing more is sent, however often the dispatcher runs.
    assert sender.run_once() == 0 and dispatcher(services, clock, smtp.settings()).run_once() == 0
    assert len(smtp.inbox.received) == len(EXPECTED)
    # A later event is mailed on the next round.
    services.mfa.create_virtual_device(story.root.account_id, "spare", actor=story.root)  # not a notifying event
    services.identity.set_login_profile(
        story.root.account_id, "alice", "a third console password", actor=story.root, create=False
    )
    assert sender.run_once() == 1 and smtp.inbox.subjects[-1] == EXPECTED[0]


def test_several_dispatchers_send_each_mail_exactly_once(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    accounts = 6
    for n in range(accounts):
        _, root = services.identity.create_account(f"owner{n}@example.com", PASSWORDS[0])
        services.identity.create_user(root.account_id, "alice", actor=root)
        for create in (True, False):  # only the change is mailed
            services.identity.set_login_profile(
                root.account_id, "alice", PASSWORDS[create + 1], actor=root, create=create
            )
    senders = [dispatcher(services, clock, smtp.settings()) for _ in range(4)]
    barrier = threading.Barrier(len(senders))
    sent: list[int] = []

    def work(sender: NotificationDispatcher) -> None:
        barrier.wait()
        for _ in range(3):
            sent.append(sender.run_once())

    threads = [threading.Thread(target=work, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == accounts
    events = [str(m["X-Twostep-Event"]) for m in smtp.inbox.messages]
    assert len(events) == len(set(events)) == accounts
    assert sorted(r[0] for r, _ in smtp.inbox.received) == sorted(f"owner{n}@example.com" for n in range(accounts))


def test_a_failed_send_is_retried_later_and_never_skipped(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    live_through(services, clock)
    down = dispatcher(services, clock, smtp.settings(port=free_port()), retry_after=60)
    assert down.run_once() == 0
    up = dispatcher(services, clock, smtp.settings())
    assert up.run_once() == 0  # the chain backs off after the failure
    clock.advance(61)
    assert up.run_once() == len(EXPECTED)
    assert smtp.inbox.subjects == EXPECTED


def test_starttls_is_required_when_configured(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    """aiosmtpd here offers no STARTTLS: with STARTTLS on, nothing goes out in clear text."""
    live_through(services, clock)
    assert dispatcher(services, clock, smtp.settings(starttls=True)).run_once() == 0
    assert smtp.inbox.received == []


def test_a_dead_dispatchers_claim_expires(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    live_through(services, clock)
    outbox = services.database.notification_outbox()
    (pending,) = outbox.pending(clock.now(), 10)
    assert outbox.claim(pending.chain, pending.done_seq, "dead-process", clock.now() + 120, clock.now())
    sender = dispatcher(services, clock, smtp.settings())
    assert sender.run_once() == 0  # claimed by someone else
    clock.advance(121)
    assert sender.run_once() == len(EXPECTED)


def test_old_history_is_not_mailed(services: Services, clock: FrozenClock, smtp: Smtp) -> None:
    """Turning mail on for an existing installation does not send a day-old backlog."""
    live_through(services, clock)
    clock.advance(2 * 86_400)
    assert dispatcher(services, clock, smtp.settings()).run_once() == 0
    assert smtp.inbox.received == []
    assert services.database.notification_outbox().pending(clock.now(), 10) == []


def test_smtp_settings_from_the_environment() -> None:
    assert SmtpSettings.from_environment({}) is None
    full = SmtpSettings.from_environment(
        {
            "TWOSTEP_SMTP_HOST": "mail.example.com",
            "TWOSTEP_SMTP_PORT": "2525",
            "TWOSTEP_SMTP_STARTTLS": "yes",
            "TWOSTEP_SMTP_USERNAME": "mailer",
            "TWOSTEP_SMTP_PASSWORD": "hunter2-but-longer",
            "TWOSTEP_SMTP_SENDER": "mfa@example.com",
        }
    )
    assert full == SmtpSettings("mail.example.com", 2525, True, "mailer", "hunter2-but-longer", "mfa@example.com")
    assert "hunter2" not in repr(full)
    defaults = SmtpSettings.from_environment({"TWOSTEP_SMTP_HOST": "mail.example.com"})
    assert defaults is not None and defaults.port == 587 and defaults.starttls
    with pytest.raises(SmtpConfigError):
        SmtpSettings.from_environment({"TWOSTEP_SMTP_HOST": "h", "TWOSTEP_SMTP_STARTTLS": "maybe"})
    with pytest.raises(SmtpConfigError):  # a password in clear text over the network
        SmtpSettings.from_environment(
            {"TWOSTEP_SMTP_HOST": "mail.example.com", "TWOSTEP_SMTP_STARTTLS": "false", "TWOSTEP_SMTP_USERNAME": "u"}
        )
