"""Issue 16, item 4, over HTTP against the real server (its clock moved by the test clock, never slept): the Assign MFA
device wizard keeps to the pace of someone installing an authenticator app. S17's fresh proof is measured from the
wizard's start, for the enrolment window (15 minutes); past it, re-authentication keeps the secret and the typed
codes; Previous renames the device and keeps its secret."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import SECRET, ConsoleClient, Enrolled, console_client, devices_in_account
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server

ASSIGN = "/security-credentials/mfa/assign"
SETUP = ASSIGN + "/setup"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def first(server: RunningServer) -> Iterator[tuple[ConsoleClient, Enrolled]]:
    with console_client(server) as client:
        client.sign_in_root()
        enrolled = client.enrol("first")  # a user with MFA: a fresh proof needs the password and a code
        yield client, enrolled


@pytest.fixture
def browser(first: tuple[ConsoleClient, Enrolled]) -> ConsoleClient:
    return first[0]


def field_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else ""


def secret_of(page: str) -> str:
    found = SECRET.search(page)
    assert found, page
    return found.group(1)


def codes(server: RunningServer, secret: str) -> dict[str, str]:
    now = server.now()
    return {"code1": code_at(secret, now - 30), "code2": code_at(secret, now)}


def test_six_minutes_installing_an_app_need_no_new_sign_in(server: RunningServer, browser: ConsoleClient) -> None:
    secret = browser.start_assign("second")
    server.move_clock(6 * 60)  # the seed's steps 2-4 and 2-5: finding and installing the app
    assert browser.get(SETUP).status_code == 200
    done = browser.post(SETUP, codes(server, secret))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/security-credentials?notice=assigned"
    assert sorted(d.name for d in devices_in_account(server)) == ["first", "second"]


def test_the_window_is_bounded_and_reauthentication_keeps_the_secret_and_the_codes(
    server: RunningServer, first: tuple[ConsoleClient, Enrolled]
) -> None:
    browser, enrolled = first
    first_secret = browser.start_assign("second")
    server.move_clock(16 * 60)  # past the enrolment window: S17 asks again
    typed = codes(server, first_secret)
    sent_away = browser.post(SETUP, typed)
    assert sent_away.status_code == 303
    assert sent_away.headers["location"] == f"/reauthenticate?next={SETUP}"
    assert [d.name for d in devices_in_account(server) if d.assigned] == ["first"]  # nothing added yet
    browser.follow(sent_away)
    confirmed = browser.post(
        sent_away.headers["location"],
        {"password": server.root_password, "code": code_at(enrolled.secret, server.now())},
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"] == SETUP
    back = browser.follow(confirmed)
    assert secret_of(back.text) == first_secret  # the same secret, not a new one
    assert field_value(back.text, "code1") == typed["code1"]
    assert field_value(back.text, "code2") == typed["code2"]
    assert 'id="codes-kept"' in back.text
    done = browser.post(SETUP, typed)  # Add MFA with the codes filled in again
    assert done.status_code == 303 and done.headers["location"] == "/security-credentials?notice=assigned"
    assert browser.get(SETUP).status_code == 303  # the wizard and its kept codes are gone


def test_previous_and_renaming_keep_the_secret(server: RunningServer, browser: ConsoleClient) -> None:
    secret = browser.start_assign("phone-a")
    back = browser.get(ASSIGN + "?back=1")
    assert back.status_code == 200
    assert field_value(back.text, "name") == "phone-a" and field_value(back.text, "keep") == "secret"
    renamed = browser.post(ASSIGN, {"name": "phone-b", "device_type": "authenticator-app", "keep": "secret"})
    assert renamed.status_code == 303 and renamed.headers["location"] == SETUP + "?notice=device-renamed"
    page = browser.follow(renamed).text
    assert secret_of(page) == secret and "phone-b@" in page and "keeps its secret key" in page
    assert sorted(d.name for d in devices_in_account(server)) == ["first", "phone-b"]
    server.move_clock(30)
    done = browser.post(SETUP, codes(server, secret))  # codes of the secret shown before renaming
    assert done.headers["location"] == "/security-credentials?notice=assigned"
    # A new wizard (not Previous) still starts with a new secret (S7).
    assert browser.start_assign("phone-c") != secret


def test_renaming_to_a_taken_name_keeps_the_device(server: RunningServer, browser: ConsoleClient) -> None:
    secret = browser.start_assign("phone-a")
    browser.get(ASSIGN + "?back=1")
    taken = browser.post(ASSIGN, {"name": "first", "device_type": "authenticator-app", "keep": "secret"})
    assert taken.status_code == 400 and "already exists" in taken.text
    assert secret_of(browser.get(SETUP).text) == secret
