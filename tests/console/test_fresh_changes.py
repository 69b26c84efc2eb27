"""S17 and S18 at the console, against the real server: every MFA change needs the password and a current code
proved within five minutes (assign, resync, remove; resync at sign-in needs the password step just before), and a
change ends the user's other sessions while this one continues under a new id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient, console_client, devices_in_account
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def browser(server: RunningServer) -> Iterator[ConsoleClient]:
    with console_client(server) as client:
        yield client


def device_id(page: str) -> str:
    found = re.search(r"/security-credentials/mfa/(MFAD[A-Z0-9]+)/remove", page)
    assert found, page
    return found.group(1)


@pytest.mark.parametrize("change", ["resync", "remove"])
def test_a_stale_sign_in_must_prove_password_and_code_again(
    server: RunningServer, browser: ConsoleClient, change: str
) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol()
    path = f"/security-credentials/mfa/{device_id(browser.page)}/{change}"
    assert browser.get(path).status_code == 200  # the enrolment's two codes were a fresh proof
    server.move_clock(5 * 60 + 30)
    stale = browser.get(path)
    assert stale.status_code == 303 and stale.headers["location"] == f"/reauthenticate?next={path}"
    form = {"code": "123456", "code1": "123456", "code2": "654321"}
    posted = browser.post(path, form, with_tokens=False)  # nor may a POST skip the confirmation
    assert posted.status_code == 303 and posted.headers["location"].startswith("/reauthenticate")
    assert len(devices_in_account(server)) == 1
    browser.follow(stale)
    password_only = browser.post(stale.headers["location"], {"password": server.root_password, "code": ""})
    assert password_only.status_code == 400  # the password alone is not enough for a user with MFA
    code_only = browser.post(
        stale.headers["location"], {"password": "wrong", "code": browser.current_code(enrolled.secret)}
    )
    assert code_only.status_code == 400
    server.move_clock(30)
    both = browser.post(
        stale.headers["location"], {"password": server.root_password, "code": browser.current_code(enrolled.secret)}
    )
    assert both.status_code == 303 and both.headers["location"] == path
    assert browser.get(path).status_code == 200


def test_removing_a_device_ends_the_other_sessions_and_renews_this_one(
    server: RunningServer, browser: ConsoleClient
) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol()
    device = device_id(browser.page)
    with console_client(server) as other:
        other.sign_in_root()
        server.move_clock(30)
        assert other.submit_mfa(other.current_code(enrolled.secret)).headers["location"] == "/console"
        before = browser.http.cookies["twostep-session"]
        browser.get(f"/security-credentials/mfa/{device}/remove")
        server.move_clock(30)
        removed = browser.post(
            f"/security-credentials/mfa/{device}/remove", {"code": browser.current_code(enrolled.secret)}
        )
        assert removed.headers["location"] == "/security-credentials?notice=removed"
        assert browser.http.cookies["twostep-session"] != before  # this session continues under a new id
        # ...and, the root user having no device left, in the Assign MFA device wizard (issue 14).
        assert browser.get("/security-credentials").headers["location"] == "/security-credentials/mfa/assign"
        assert browser.get("/security-credentials/mfa/assign").status_code == 200
        # S18: the other one ended, and its holder is told why (issue 16)
        assert other.get("/security-credentials").headers["location"] == "/signin?notice=mfa-changed"
    assert devices_in_account(server) == []


def test_resync_at_sign_in_needs_a_password_proved_minutes_ago(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol()
    browser.sign_out()
    assert browser.sign_in_root().headers["location"] == "/signin/mfa"
    assert browser.get("/signin/mfa/resync").status_code == 200
    server.move_clock(5 * 60 + 30)  # still inside the idle timeout, no longer fresh
    now = server.now()
    stale = browser.post(
        "/signin/mfa/resync", {"code1": code_at(enrolled.secret, now - 30), "code2": code_at(enrolled.secret, now)}
    )
    assert stale.status_code == 303 and stale.headers["location"] == "/signin"
    assert browser.get("/signin/mfa").headers["location"] == "/signin"  # the half-finished sign-in is over
    assert browser.http.cookies.get("twostep-session") is None
    with server.services() as services, services.uow(readonly=True) as uow:
        names = [e.event.event_name for e in uow.audit.events(server.account_id)]
    assert "ResyncMFADevice" not in names


def test_another_users_device_is_not_found(server: RunningServer, browser: ConsoleClient) -> None:
    """S26 in the console: the pages act on the signed-in user's own devices only."""
    browser.sign_in_root()
    browser.enrol()
    root_device = device_id(browser.page)
    browser.post("/users", {"name": "mallory", "password": "mallory's long password"})
    with console_client(server) as mallory:
        assert mallory.sign_in_iam("mallory", "mallory's long password").headers["location"] == "/console"
        for action in ("resync", "remove"):
            path = f"/security-credentials/mfa/{root_device}/{action}"
            assert mallory.get(path).status_code == 404
            mallory.get("/security-credentials")
            assert mallory.post(path, {"code": "123456", "code1": "123456", "code2": "654321"}).status_code == 404
    assert len(devices_in_account(server)) == 1
