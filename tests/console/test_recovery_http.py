"""Recovery and required MFA over HTTP against the real server (issue 14): the restricted session and the
enrolment-only session checked route by route, the root user's mailed link refused when spent, expired or opened
from another sign-in, recovery codes on Security credentials, and the account's MFA requirement with its grace
period. The whole flow in Chromium is tests/console/test_recovery_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import RECOVERY_CODE, console_client, devices_in_account
from tests.console.recovery_support import (
    ENROLMENT_REACH,
    RECOVERY_REACH,
    USER_PASSWORD,
    MailedServer,
    console_paths,
    iam_user_with_codes,
    mailed_server,
    recover_iam,
    sweep,
)
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server, twostep

ASSIGN = "/security-credentials/mfa/assign"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def mailed(tmp_path: Path) -> Iterator[MailedServer]:
    with mailed_server(tmp_path) as running:
        yield running


def test_the_restricted_session_reaches_only_security_credentials(server: RunningServer) -> None:
    alice = iam_user_with_codes(server, "alice")
    with console_client(server) as client:
        assert client.sign_in_iam("alice", USER_PASSWORD).headers["location"] == "/signin/mfa"
        client.get("/signin/recovery")
        refused = client.post("/signin/recovery", {"code": "zzzzz-zzzzz"})
        assert refused.status_code == 400 and "The recovery code is not valid" in refused.text
        server.move_clock(2)  # past the delay the failure earned
        landed = client.post("/signin/recovery", {"code": alice.recovery_codes[0]})
        assert landed.headers["location"] == "/security-credentials?notice=recovery-session"
        page = client.follow(landed)
        assert page.status_code == 200 and "You signed in using alternative factors" in page.text
        assert "/resync" not in page.text and f"/security-credentials/mfa/{alice.device_id}/remove" in page.text

        checked = sweep(client, server, RECOVERY_REACH, "/security-credentials", alice.device_id)
        assert {"/console", "/users", "/reauthenticate", "/security-credentials/recovery-codes"} <= checked
        assert {path for path, _ in console_paths(server)} >= checked | RECOVERY_REACH
        with server.services() as services:  # the sweep changed nothing
            user = services.identity.user(server.account_id, "alice")
            assert services.recovery.status(user).remaining == 9
            assert [d.id for d in services.mfa.devices_of(user)] == [alice.device_id]

        # A new device (the wizard is open to it) retires the lost one and the session becomes an ordinary one.
        enrolled = client.enrol("new-phone")
        assert enrolled.recovery_codes == ()  # nine codes remain: none are owed
        assert [d.name for d in devices_in_account(server) if d.user_id] == ["new-phone"]
        assert client.get("/console").status_code == 200
        assert "You signed in using alternative factors" not in client.get("/security-credentials").text


def test_removing_the_lost_device_needs_no_code_of_it(server: RunningServer) -> None:
    alice = iam_user_with_codes(server, "alice")
    with console_client(server) as client:
        recover_iam(client, alice, alice.recovery_codes[1])
        client.get("/security-credentials")
        page = client.get(f"/security-credentials/mfa/{alice.device_id}/remove")
        assert page.status_code == 200 and 'name="code"' not in page.text
        removed = client.post(f"/security-credentials/mfa/{alice.device_id}/remove", {})
        assert removed.headers["location"] == "/security-credentials?notice=removed"
        assert devices_in_account(server) == []
        assert client.get("/console").status_code == 200  # an ordinary session now (MFA is not required)


def test_a_root_user_without_a_device_reaches_only_the_wizard(server: RunningServer) -> None:
    with console_client(server) as root:
        assert root.sign_in_root().headers["location"] == "/console"
        assert root.get("/console").headers["location"] == ASSIGN
        assert root.get(ASSIGN).status_code == 200
        checked = sweep(root, server, ENROLMENT_REACH, ASSIGN, "MFADNOSUCHDEVICE")
        assert {"/console", "/users", "/security-credentials", "/security-credentials/require-mfa"} <= checked
        assert devices_in_account(server) == []
        root.get(ASSIGN)
        assert "Users" not in re.sub(r"<main.*", "", root.page, flags=re.S)  # no console links in the top bar
        enrolled = root.enrol("root-phone")
        assert len(enrolled.recovery_codes) == 10
        assert root.get("/users").status_code == 200


def test_the_account_can_require_mfa_of_every_iam_user(server: RunningServer) -> None:
    with server.services() as services:
        root_user = services.identity.root_user(server.account_id)
        services.identity.create_user(server.account_id, "bob", actor=root_user, password=USER_PASSWORD)
    with console_client(server) as root, console_client(server) as bob:
        root.sign_in_root()
        root.enrol("root-phone")
        assert bob.sign_in_iam("bob", USER_PASSWORD).headers["location"] == "/console"
        assert bob.get("/console").status_code == 200

        page = root.get("/security-credentials")
        assert "Require MFA for all console users" in page.text
        saved = root.post("/security-credentials/require-mfa", {"require_mfa": "on", "grace_days": "0"})
        assert saved.headers["location"] == "/security-credentials?notice=mfa-requirement-saved"
        assert 'name="require_mfa" value="on" checked' in root.follow(saved).text

        assert bob.get("/console").headers["location"] == ASSIGN  # at once, for a session already open too
        bob.get(ASSIGN)
        sweep(bob, server, ENROLMENT_REACH, ASSIGN, "MFADNOSUCHDEVICE")
        refused = bob.post("/security-credentials/require-mfa", {"require_mfa": "off"})
        assert refused.headers["location"] == ASSIGN  # and an IAM user never changes it

        # A grace period: let in with a countdown, then only the wizard.
        saved = root.post("/security-credentials/require-mfa", {"require_mfa": "on", "grace_days": "2"})
        assert saved.status_code == 303
        home = bob.get("/console")
        assert home.status_code == 200 and "Your account requires MFA" in home.text
        assert "Assign an MFA device within 2 days" in home.text
        server.move_clock(86400 + 3600)
        bob.sign_in_iam("bob", USER_PASSWORD)  # a day later: a new sign-in
        assert "Assign an MFA device within 23 hours" in bob.get("/security-credentials").text
        server.move_clock(86400 - 3600)
        bob.sign_in_iam("bob", USER_PASSWORD)
        assert bob.get("/console").headers["location"] == ASSIGN
        bob.enrol("bob-phone")
        assert bob.get("/console").status_code == 200
        assert "Your account requires MFA" not in bob.page


def test_the_account_setting_from_the_command_line(server: RunningServer) -> None:
    with server.services() as services:
        root_user = services.identity.root_user(server.account_id)
        services.identity.create_user(server.account_id, "carol", actor=root_user, password=USER_PASSWORD)
    common = ("account", "set", "--data-dir", str(server.data_dir), "--account-id", server.account_id)
    done = twostep(*common, "--require-mfa", "on", "--grace-days", "7", env=server.env)
    assert done.returncode == 0, done.stderr
    assert '"require_mfa": true' in done.stdout
    with console_client(server, language="ko") as carol:
        carol.sign_in_iam("carol", USER_PASSWORD)
        page = carol.get("/console")
        assert "계정에 MFA가 필요합니다" in page.text and "7일 안에 MFA 디바이스를 할당하세요" in page.text
    assert twostep(*common, "--require-mfa", "off", env=server.env).returncode == 0
    bad = twostep(*common, "--require-mfa", "on", "--grace-days", "-1", env=server.env)
    assert bad.returncode == 2 and "--grace-days" in bad.stderr
    unknown = twostep(
        "account", "set", "--data-dir", str(server.data_dir), "--account-id", "000000000000", "--require-mfa", "on",
        env=server.env,
    )  # fmt: skip
    assert unknown.returncode == 2 and unknown.stderr.strip() == "twostep: no account 000000000000"


def test_recovery_codes_on_security_credentials(server: RunningServer) -> None:
    with console_client(server) as root:
        root.sign_in_root()
        secret = root.start_assign("root-phone")
        now = server.now()
        two_codes = {"code1": code_at(secret, now - 30), "code2": code_at(secret, now)}
        shown = root.post("/security-credentials/mfa/assign/setup", two_codes)
        codes = RECOVERY_CODE.findall(shown.text)
        assert len(codes) == 10 and 'download="twostep-recovery-codes-' in shown.text
        refused = root.post("/security-credentials/recovery-codes/confirm", {"code": "zzzzz-zzzzz"})
        assert refused.status_code == 400 and "The recovery code is not valid" in refused.text
        assert not RECOVERY_CODE.findall(refused.text)  # never shown again
        server.move_clock(2)
        confirmed = root.post("/security-credentials/recovery-codes/confirm", {"code": codes[4]})
        assert confirmed.headers["location"] == "/security-credentials?notice=recovery-codes-saved"
        page = root.follow(confirmed)
        assert "9 of 10 recovery codes remaining" in page.text and "Your recovery codes are saved" in page.text

        # Regenerating needs a fresh MFA proof (S17).
        server.move_clock(6 * 60)
        stale = root.get("/security-credentials/recovery-codes")
        assert stale.headers["location"] == "/reauthenticate?next=/security-credentials/recovery-codes"
        root.follow(stale)
        fresh = root.post(
            "/reauthenticate?next=/security-credentials/recovery-codes",
            {"password": server.root_password, "code": root.current_code(secret)},
        )
        assert fresh.headers["location"] == "/security-credentials/recovery-codes"
        assert "Ten new codes replace" in root.follow(fresh).text
        regenerated = root.post("/security-credentials/recovery-codes", {})
        new = RECOVERY_CODE.findall(regenerated.text)
        assert len(new) == 10 and not set(new) & set(codes)
        assert "10 of 10 recovery codes remaining" in root.get("/security-credentials").text


def test_the_root_users_link_and_its_refusals(mailed: MailedServer) -> None:
    server = mailed.server
    with console_client(server) as root:
        root.sign_in_root()
        enrolled = root.enrol("root-phone")
        codes = enrolled.recovery_codes
        root.sign_out()
    mailed.wait_for_mail(1)  # EnableMFADevice
    with console_client(server) as browser, console_client(server) as elsewhere:
        browser.sign_in_root()
        page = browser.get("/signin/recovery")
        assert "Send verification email" in page.text and 'name="code"' not in page.text
        refused = browser.post("/signin/recovery", {"code": codes[0]})  # the root user needs the link too
        assert refused.headers["location"] == "/signin/recovery"
        sent = browser.post("/signin/recovery/email", {})
        assert sent.status_code == 200 and "Check your email" in sent.text
        mailed.wait_for_mail(2)
        assert mailed.inbox.subjects[-1] == "twostep: Sign-in link for the root user (alternative factors)"
        link = mailed.link()
        path = link.split(server.url, 1)[1]

        # Another browser (another sign-in, or none) cannot use it.
        assert elsewhere.get(path).status_code == 403
        elsewhere.sign_in_root()
        other = elsewhere.get(path)
        assert other.status_code == 403 and "belongs to another sign-in" in other.text

        opened = browser.get(path)
        assert opened.status_code == 200 and "Step 2" in opened.text
        token = link.split("?token=", 1)[1]
        assert f'name="link" value="{token}"' in opened.text
        wrong = browser.post("/signin/recovery/verify", {"code": "zzzzz-zzzzz", "link": token})
        assert wrong.status_code == 400 and "The recovery code is not valid" in wrong.text
        server.move_clock(2)
        without_link = browser.post("/signin/recovery/verify", {"code": codes[1]})
        assert without_link.status_code == 403  # the code alone does not do
        browser.get(path)
        landed = browser.post("/signin/recovery/verify", {"code": codes[1], "link": token})
        assert landed.headers["location"] == "/security-credentials?notice=recovery-session"
        assert browser.get("/users").headers["location"] == "/security-credentials"
        mailed.wait_for_mail(3)
        assert mailed.inbox.subjects[-1] == "twostep: Recovery code used to sign in as the root user"

        # Spent: refused from a new sign-in; a spent code is refused too.
        elsewhere.sign_in_root()
        reused = elsewhere.get(path)
        assert reused.status_code == 403 and "already used" in reused.text
        elsewhere.get("/signin/recovery")
        elsewhere.post("/signin/recovery/email", {})
        mailed.wait_for_mail(4)
        fresh_link = mailed.link()
        fresh_path = fresh_link.split(server.url, 1)[1]
        elsewhere.get(fresh_path)
        spent = elsewhere.post("/signin/recovery/verify", {"code": codes[1], "link": fresh_link.split("=", 1)[1]})
        assert spent.status_code == 400 and "The recovery code is not valid" in spent.text

        # Expired after 15 minutes.
        server.move_clock(15 * 60)
        browser.sign_out()
        browser.sign_in_root()
        expired = browser.get(fresh_path)
        assert expired.status_code == 403


def test_without_mail_the_root_user_is_told_to_ask_the_operator(server: RunningServer) -> None:
    with console_client(server, language="ko") as root:
        root.sign_in_root()
        root.enrol("root-phone")
        root.sign_out()
        root.sign_in_root()
        assert "대체 인증 요소를 사용하여 로그인" in root.get("/signin/mfa").text  # the MFA page's link
        page = root.get("/signin/recovery")
        assert "대체 인증 요소를 사용하여 로그인" in page.text
        assert f"twostep user reset-mfa --data-dir DIR --account-id {server.account_id} --root" in page.text
        assert "/signin/recovery/email" not in page.text
        root.get("/signin/mfa")  # a page with this session's form token
        assert root.post("/signin/recovery/email", {}).headers["location"] == "/signin/recovery"


def test_a_half_signed_in_session_is_needed_for_recovery(server: RunningServer) -> None:
    with console_client(server) as visitor:
        for path in ("/signin/recovery", "/signin/recovery/email"):
            response = visitor.get(path) if path.endswith("recovery") else visitor.post(path, {})
            assert response.headers["location"] == "/signin"


def test_an_iam_user_locked_out_of_codes_starts_again(tmp_path: Path) -> None:
    with running_server(tmp_path, extra_env={"TWOSTEP_MFA_MAX_FAILURES": "3"}) as server:
        alice = iam_user_with_codes(server, "alice")
        with console_client(server) as client:
            client.sign_in_iam("alice", USER_PASSWORD)
            client.get("/signin/recovery")
            for _ in range(2):
                assert client.post("/signin/recovery", {"code": "zzzzz-zzzzz"}).status_code == 400
            ended = client.post("/signin/recovery", {"code": "zzzzz-zzzzz"})
            assert ended.headers["location"] == f"/signin/iam?account={server.account_id}&notice=mfa-ended"
            assert client.get("/signin/recovery").headers["location"] == "/signin"
            # Locked: a right code does nothing until the operator unlocks.
            client.sign_in_iam("alice", USER_PASSWORD)
            client.get("/signin/recovery")
            assert "mfa-ended" in client.post("/signin/recovery", {"code": alice.recovery_codes[0]}).headers["location"]
            unlocked = twostep(
                "user", "unlock", "--data-dir", str(server.data_dir), "--account-id", server.account_id,
                "--user-name", "alice", env=server.env,
            )  # fmt: skip
            assert unlocked.returncode == 0 and '"recovery_codes": {"failures": 3' in unlocked.stdout
            assert recover_iam(client, alice, alice.recovery_codes[0]).endswith("recovery-session")
