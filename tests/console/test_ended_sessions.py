"""Issue 16, item 3, over HTTP against the real server: a session ended by a change (S18) - MFA changed in another
tab, the password changed, an administrator ended it, "sign out everywhere" - sends whoever still holds its cookie
to the sign-in page with a line saying why, once. Nobody else learns anything: without that very cookie the sign-in
page is the plain one."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient, console_client
from tests.server_harness import RunningServer, running_server
from twostep.console.security import SESSION_COOKIE
from twostep.store.tables import ended_sessions

MFA_CHANGED = "Your session ended because the MFA devices of your user changed. Sign in again."
MFA_CHANGED_KO = "사용자의 MFA 디바이스가 변경되어 세션이 종료되었습니다. 다시 로그인하세요."
ASSIGN = "/security-credentials/mfa/assign"
PASSWORD = "a long and unguessable passphrase"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def signed_in_root(server: RunningServer, language: str = "en") -> ConsoleClient:
    client = ConsoleClient(server, language=language)
    assert client.sign_in_root().headers["location"] == "/console"  # no MFA yet
    return client


@pytest.mark.parametrize("language", ["en", "ko"])
def test_another_tab_learns_that_mfa_changed(server: RunningServer, language: str) -> None:
    with console_client(server) as first:
        first.sign_in_root()
        other = signed_in_root(server, language)
        try:
            assert other.get(ASSIGN).status_code == 200  # the root user without MFA is sent to assign one
            first.enrol()  # the change ends every other session of the user (S18); this one continues
            assert first.get("/security-credentials").status_code == 200
            ended = other.get("/security-credentials")
            assert ended.status_code == 303 and ended.headers["location"] == "/signin?notice=mfa-changed"
            assert SESSION_COOKIE in ended.headers.get("set-cookie", "")  # the dead cookie is cleared
            page = other.follow(ended)
            assert (MFA_CHANGED_KO if language == "ko" else MFA_CHANGED) in page.text
            # Once: the cookie is gone, so the next visit is the plain sign-in page.
            assert other.get("/security-credentials").headers["location"] == "/signin"
        finally:
            other.close()


def test_nobody_without_the_cookie_learns_anything(server: RunningServer) -> None:
    with console_client(server) as first:
        first.sign_in_root()
        other = signed_in_root(server)
        stranger = ConsoleClient(server)
        try:
            first.enrol()
            stranger.http.cookies.set(SESSION_COOKIE, secrets.token_urlsafe(32))  # any other cookie
            assert stranger.get("/security-credentials").headers["location"] == "/signin"
            assert stranger.get("/").headers["location"] == "/signin"
            no_cookie = ConsoleClient(server)
            assert no_cookie.get("/console").headers["location"] == "/signin"
            no_cookie.close()
            # The holder of the ended session's cookie is told, even from the half-signed-in MFA page.
            assert other.get("/signin/mfa").headers["location"] == "/signin?notice=mfa-changed"
        finally:
            other.close()
            stranger.close()


def test_an_ordinary_sign_out_or_timeout_says_nothing_new(server: RunningServer) -> None:
    client = signed_in_root(server)
    try:
        cookie = client.http.cookies.get(SESSION_COOKIE)
        assert cookie
        client.sign_out()
        client.http.cookies.set(SESSION_COOKIE, cookie)
        assert client.get("/security-credentials").headers["location"] == "/signin"
    finally:
        client.close()


def test_a_password_change_and_an_administrator_are_named(server: RunningServer) -> None:
    with server.services() as services:
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(server.account_id)
        assert root is not None
        services.identity.create_user(server.account_id, "alice", actor=root, password=PASSWORD)
    alice = ConsoleClient(server)
    other = signed_in_root(server)
    try:
        assert alice.sign_in_iam("alice", PASSWORD).headers["location"] == "/console"
        with server.services() as services:
            services.identity.set_login_profile(server.account_id, "alice", PASSWORD + " 2", actor=root, create=False)
        ended = alice.get("/console")
        assert ended.headers["location"] == f"/signin/iam?account={server.account_id}&notice=password-changed"
        assert "Your session ended because your password changed." in alice.follow(ended).text
        assert alice.sign_in_iam("alice", PASSWORD + " 2").headers["location"] == "/console"
        with server.services() as services:
            services.identity.delete_login_profile(server.account_id, "alice", actor=root)
        ended = alice.get("/console")
        assert ended.headers["location"] == f"/signin/iam?account={server.account_id}&notice=ended-by-admin"
        # Sign out everywhere from another session of the same user.
        second = signed_in_root(server)
        second.get(ASSIGN)
        assert second.post("/signout-everywhere", {}).status_code == 303
        second.close()
        assert other.get("/console").headers["location"] == "/signin?notice=signed-out-everywhere"
    finally:
        alice.close()
        other.close()


def ended_reasons(server: RunningServer) -> list[str]:
    with server.services() as services, services.database.engine.connect() as connection:
        return [row.reason for row in connection.execute(ended_sessions.select())]


def test_the_record_is_forgotten_after_twelve_hours(server: RunningServer) -> None:
    with console_client(server) as first:
        first.sign_in_root()
        other = signed_in_root(server)
        try:
            first.enrol()
            assert "mfa-changed" in ended_reasons(server)
            server.move_clock(12 * 3600 + 60)
            assert other.get("/console").headers["location"] == "/signin"  # too old to tell
        finally:
            other.close()
    with server.services() as services:  # the next recorded ending sweeps the stale records
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(server.account_id)
        assert root is not None
        services.signin.sign_out_everywhere(root)
    assert set(ended_reasons(server)) <= {"signed-out-everywhere"}
