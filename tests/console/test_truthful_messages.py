"""Issue 16, item 3, over HTTP against the real server: after the password step, a rejected code says why when the
user can act on it - a code already used, a throttled attempt with its wait - on the MFA page, at re-authentication
and on the Security credentials forms. The password step itself still answers every failure alike
(tests/console/test_no_enumeration.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient, Enrolled, console_client
from tests.server_harness import RunningServer, running_server

ALREADY_USED = "That code was already used; wait for the next one."
ALREADY_USED_KO = "이미 사용된 코드입니다. 다음 코드가 표시될 때까지 기다리세요."
GENERIC = "The MFA code is not valid. Enter a new code from your device and try again."
THROTTLED = re.compile(r"Too many attempts; try again in (\d+) seconds\.")
THROTTLED_KO = re.compile(r"시도 횟수가 너무 많습니다\. (\d+)초 후에 다시 시도하세요\.")
DELAY = 40  # TWOSTEP_MFA_BASE_DELAY of the throttling tests: the wait after a first wrong code


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, extra_env={"TWOSTEP_MFA_BASE_DELAY": str(DELAY)}) as running:
        yield running


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def enrolled_root(server: RunningServer, language: str = "en") -> tuple[ConsoleClient, Enrolled]:
    """The root user with one authenticator app, signed out again: the next sign-in asks for its code."""
    with console_client(server) as client:
        client.sign_in_root()
        enrolled = client.enrol()
        client.sign_out()
    browser = ConsoleClient(server, language=language)
    assert browser.sign_in_root().headers["location"] == "/signin/mfa"
    return browser, enrolled


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_mfa_page_says_a_code_was_already_used(server: RunningServer, language: str) -> None:
    browser, enrolled = enrolled_root(server, language)
    try:
        # The enrolment spent its two codes: the second one is still in the window, and already used.
        replayed = browser.submit_mfa(enrolled.code2)
        assert replayed.status_code == 400
        assert (ALREADY_USED_KO if language == "ko" else ALREADY_USED) in replayed.text
        assert GENERIC not in replayed.text
        mistyped = browser.submit_mfa(wrong(browser.current_code(enrolled.secret)))
        assert mistyped.status_code == 400
        assert ALREADY_USED not in mistyped.text and ALREADY_USED_KO not in mistyped.text  # a wrong code stays generic
        server.move_clock(30)
        assert browser.submit_mfa(browser.current_code(enrolled.secret)).headers["location"] == "/console"
    finally:
        browser.close()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_mfa_page_says_how_long_to_wait(slow_server: RunningServer, language: str) -> None:
    browser, enrolled = enrolled_root(slow_server, language)
    try:
        first = browser.submit_mfa(wrong(browser.current_code(enrolled.secret)))
        assert first.status_code == 400 and THROTTLED.search(first.text) is None
        right = browser.current_code(enrolled.secret)
        throttled = browser.submit_mfa(right)  # the right code, inside the delay: not evaluated
        assert throttled.status_code == 400
        found = (THROTTLED_KO if language == "ko" else THROTTLED).search(throttled.text)
        assert found, throttled.text
        assert DELAY - 10 <= int(found.group(1)) <= DELAY
        slow_server.move_clock(DELAY + 1)
        assert browser.submit_mfa(browser.current_code(enrolled.secret)).headers["location"] == "/console"
    finally:
        browser.close()


def test_the_security_credentials_forms_say_why(slow_server: RunningServer) -> None:
    browser, enrolled = enrolled_root(slow_server)
    try:
        slow_server.move_clock(30)  # past the steps the enrolment spent
        assert browser.submit_mfa(browser.current_code(enrolled.secret)).headers["location"] == "/console"
        page = browser.get("/security-credentials").text
        device = re.search(r"/security-credentials/mfa/(MFAD[A-Z0-9]+)/remove", page)
        assert device
        resync = f"/security-credentials/mfa/{device.group(1)}/resync"
        remove = f"/security-credentials/mfa/{device.group(1)}/remove"
        # Resync with the enrolment's own pair: two consecutive codes, both spent.
        browser.get(resync)
        replayed = browser.post(resync, {"code1": enrolled.code1, "code2": enrolled.code2})
        assert replayed.status_code == 400 and ALREADY_USED in replayed.text
        # Remove: a wrong code (the device's second failure: twice the delay), then the right one inside it.
        slow_server.move_clock(DELAY + 1)
        browser.get(remove)
        first = browser.post(remove, {"code": wrong(browser.current_code(enrolled.secret))})
        assert first.status_code == 400 and THROTTLED.search(first.text) is None
        throttled = browser.post(remove, {"code": browser.current_code(enrolled.secret)})
        assert throttled.status_code == 400
        found = THROTTLED.search(throttled.text)
        assert found and 2 * DELAY - 10 <= int(found.group(1)) <= 2 * DELAY, throttled.text
        assert "MFAD" in browser.get("/security-credentials").text  # nothing was removed
    finally:
        browser.close()


def test_reauthentication_says_a_code_was_already_used(server: RunningServer) -> None:
    browser, enrolled = enrolled_root(server)
    try:
        server.move_clock(30)
        code = browser.current_code(enrolled.secret)
        assert browser.submit_mfa(code).headers["location"] == "/console"
        browser.get("/reauthenticate")
        replayed = browser.post("/reauthenticate", {"password": server.root_password, "code": code})
        assert replayed.status_code == 400 and ALREADY_USED in replayed.text
        # A wrong password is still the one message whatever the code (S13 words the password alike everywhere).
        wrong_password = browser.post("/reauthenticate", {"password": "not it", "code": code})
        assert wrong_password.status_code == 400 and ALREADY_USED not in wrong_password.text
    finally:
        browser.close()
