"""The mails of recovery (issue 14), through the audit log as outbox to a real SMTP server: the root user's sign-in
link (derived by the dispatcher, never stored: S23), a recovery code used, codes regenerated, a spent code tried
again, the codes locked, the break-glass reset and the account's MFA requirement."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from tests.notify.test_notifications import Smtp, smtp  # noqa: F401  (the SMTP server fixture)
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import AttemptContext
from twostep.notify.dispatcher import NotificationDispatcher
from twostep.notify.smtp import SmtpMailer
from twostep.signin.recovery_links import RecoveryLinkWriter
from twostep.throttling import Throttling

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
VERIFY_URL = "https://console.example/signin/recovery/verify"


def test_the_recovery_mails(services: Services, clock: FrozenClock, smtp: Smtp) -> None:  # noqa: F811
    services.verifier.throttling = Throttling(max_failures=3, base_delay=0)
    _, root = services.identity.create_account(EMAIL, PASSWORD)
    new = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    now = clock.now()
    services.mfa.enable(root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    codes = services.recovery.issue_owed(root)
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    services.alternative_factors.request_link(half.token, verify_url=VERIFY_URL, source_ip="192.0.2.8")
    sender = NotificationDispatcher(
        services.database.notification_outbox(),
        SmtpMailer(smtp.settings()),
        clock,
        link_for=RecoveryLinkWriter(services.keyring),
    )
    assert sender.run_once() == 2
    link_mail = smtp.inbox.messages[-1]
    assert link_mail["Subject"] == "twostep: Sign-in link for the root user (alternative factors)"
    body = link_mail.get_content()
    token = body.split(VERIFY_URL + "?token=", 1)[1].split()[0]
    assert "192.0.2.8" in body and "15 minutes" in body
    services.alternative_factors.check_link(half.token, token)  # the mailed link is the one that works
    with services.database.audit_snapshot() as snapshot:
        assert token.split(".")[1] not in repr([recorded.event for recorded in snapshot.events()])

    services.alternative_factors.recover(half.token, code=codes[0], link_token=token)
    fresh = services.recovery.regenerate(root, actor=root)
    with services.uow() as uow:
        services.verifier.verify_recovery_code(uow, root, fresh[0], AttemptContext("test", root.arn))
        uow.commit()
    with pytest.raises(CodeRejected), services.uow() as uow:  # replayed: mailed
        services.verifier.verify_recovery_code(uow, root, fresh[0], AttemptContext("test", root.arn))
    for _ in range(2):  # wrong: not mailed, until the lock
        with pytest.raises(CodeRejected), services.uow() as uow:
            services.verifier.verify_recovery_code(uow, root, "zzzzz-zzzzz", AttemptContext("test", root.arn))
    services.recovery.reset_mfa(root, actor=root)
    services.identity.set_mfa_requirement(root.account_id, True, actor=root)
    assert sender.run_once() == 6
    assert smtp.inbox.subjects[2:] == [
        "twostep: Recovery code used to sign in as the root user",
        "twostep: Recovery codes regenerated for the root user",
        "twostep: An already used recovery code was tried for the root user",
        "twostep: Recovery codes locked for the root user",
        "twostep: MFA reset for the root user",
        "twostep: MFA requirement changed for the account",
    ]
    used, *_, requirement = smtp.inbox.messages[2:]
    assert "9 recovery codes remain" in used.get_content()
    assert "is now on." in requirement.get_content()
    for _, raw in smtp.inbox.received:
        for code in codes + fresh:
            assert code.encode() not in raw
