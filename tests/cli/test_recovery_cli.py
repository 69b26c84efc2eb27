"""`twostep user reset-mfa`, the operator's break-glass (issue 14), against a running server on the engine under test
(SQLite, or PostgreSQL in that pass): it asks before acting, deactivates every device, spends the recovery codes,
ends the sessions, writes its audit event and mails the owner; the user then signs in with the password and enrols
again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import console_client
from tests.console.recovery_support import USER_PASSWORD, MailedServer, iam_user_with_codes, mailed_server
from tests.helpers import code_at
from tests.server_harness import twostep


@pytest.fixture
def mailed(tmp_path: Path) -> Iterator[MailedServer]:
    with mailed_server(tmp_path) as running:
        yield running


def reset(mailed: MailedServer, *who: str, stdin: str | None = None) -> tuple[int, str, str]:
    server = mailed.server
    done = twostep(
        "user", "reset-mfa", "--data-dir", str(server.data_dir), "--account-id", server.account_id, *who,
        stdin=stdin, env=server.env,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_reset_mfa_of_an_iam_user(mailed: MailedServer) -> None:
    server = mailed.server
    alice = iam_user_with_codes(server, "alice")
    mailed.wait_for_mail(1)  # EnableMFADevice
    with console_client(server) as browser:
        browser.sign_in_iam("alice", USER_PASSWORD)
        server.move_clock(30)
        assert browser.submit_mfa(code_at(alice.seed, server.now())).headers["location"] == "/console"

        code, out, err = reset(mailed, "--user", "alice", stdin="no\n")
        assert code == 2 and err.strip().endswith("twostep: not confirmed; nothing changed")
        assert "Type 'yes' to continue" in err and out == ""
        assert browser.get("/console").status_code == 200  # nothing changed

        code, out, err = reset(mailed, "--user", "alice", "--yes")
        assert code == 0, err
        result = json.loads(out)
        assert result["user"] == f"arn:aws:iam::{server.account_id}:user/alice"
        assert result["deactivated"] == [f"arn:aws:iam::{server.account_id}:mfa/alice-phone"]
        assert result["recovery_codes_spent"] == 10 and result["sessions_ended"] == 1
        # The session ended, and its holder is told why (issue 16).
        ended = browser.get("/console").headers["location"]
        assert ended == f"/signin/iam?account={server.account_id}&notice=mfa-changed"

        mailed.wait_for_mail(2)
        assert mailed.inbox.subjects[-1] == "twostep: MFA reset for IAM user alice"
        assert mailed.inbox.received[-1][0] == [server.root_email]
        with server.services() as services:
            with services.uow(readonly=True) as uow:
                [event] = [e.event for e in uow.audit.events(server.account_id) if e.event.event_name == "ResetMFA"]
            assert event.actor == f"arn:aws:iam::{server.account_id}:root"
            assert event.details["recoveryCodesSpent"] == 10 and event.details["sessionsEnded"] == 1
            user = services.identity.user(server.account_id, "alice")
            assert services.mfa.devices_of(user) == []
            assert services.recovery.status(user).remaining == 0

        # The password alone signs in now; a recovery code does not; enrolling again brings new codes.
        assert browser.sign_in_iam("alice", USER_PASSWORD).headers["location"] == "/console"
        enrolled = browser.enrol("alice-new-phone")
        assert len(enrolled.recovery_codes) == 10 and not set(enrolled.recovery_codes) & set(alice.recovery_codes)
    mailed.wait_for_mail(3)  # the new device's
    assert mailed.inbox.subjects.count("twostep: MFA reset for IAM user alice") == 1  # once, though two could send


def test_reset_mfa_of_the_root_user(mailed: MailedServer) -> None:
    server = mailed.server
    with console_client(server) as root:
        root.sign_in_root()
        root.enrol("root-phone")
        code, out, err = reset(mailed, "--root", stdin="yes\n")
        assert code == 0, err
        assert json.loads(out)["deactivated"] == [f"arn:aws:iam::{server.account_id}:mfa/root-phone"]
        assert root.get("/security-credentials").headers["location"] == "/signin?notice=mfa-changed"
        # Signing in again lands in the wizard: the root user must assign a device before anything else.
        assert root.sign_in_root().headers["location"] == "/console"
        assert root.get("/console").headers["location"] == "/security-credentials/mfa/assign"
        assert len(root.enrol("root-phone-2").recovery_codes) == 10
    mailed.wait_for_mail(3)  # two EnableMFADevice, one ResetMFA
    assert "twostep: MFA reset for the root user" in mailed.inbox.subjects


def test_reset_mfa_refuses_what_does_not_exist(mailed: MailedServer) -> None:
    code, _, err = reset(mailed, "--user", "nobody", "--yes")
    assert code == 2 and err.strip() == f"twostep: no user 'nobody' in account {mailed.server.account_id}"
    server = mailed.server
    unknown = twostep(
        "user", "reset-mfa", "--data-dir", str(server.data_dir), "--account-id", "000000000000", "--root", "--yes",
        env=server.env,
    )  # fmt: skip
    assert unknown.returncode == 2 and unknown.stderr.strip() == "twostep: no account 000000000000"
    data = ("--data-dir", str(server.data_dir), "--account-id", "1")
    both = twostep("user", "reset-mfa", *data, "--root", "--user", "x")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
