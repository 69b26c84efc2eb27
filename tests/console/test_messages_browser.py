"""Issue 16, items 3 and 4, in headless Chromium against the real server, in English and Korean, on a desktop and a
390x844 phone: the MFA page says a code was already used, and how long to wait when throttled; a second tab whose
session an MFA change ended lands on sign-in with the reason; the wizard survives six minutes of installing an app
(the test clock, never a sleep) and Previous renames the device with the same secret key. Codes come from pyotp with
the secret key the page showed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.console.console_client import console_client
from tests.console.test_console_browser import browser, watch_csp
from tests.server_harness import RunningServer, running_server

__all__ = ["browser"]  # the module-scoped Chromium fixture of test_console_browser.py

pytestmark = pytest.mark.browser

DELAY = 40  # TWOSTEP_MFA_BASE_DELAY of the throttling test


@dataclass(frozen=True)
class Variant:
    language: str
    viewport: dict[str, int]
    words: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.language}-{'phone' if self.viewport['width'] < 600 else 'desktop'}"


DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
EN = {
    "email": "Email address",
    "next": "Next",
    "password": "Password",
    "sign in": "Sign in",
    "mfa code": "MFA code",
    "submit": "Submit",
    "already used": "That code was already used; wait for the next one.",
    "throttled": r"Too many attempts; try again in (\d+) seconds\.",
    "mfa changed": "Your session ended because the MFA devices of your user changed. Sign in again.",
    "device name": "Device name",
    "app": "Authenticator app",
    "show secret": "Show secret key",
    "previous": "Previous",
    "code 1": "MFA code 1",
    "code 2": "MFA code 2",
    "add": "Add MFA",
    "renamed": "The device was renamed and keeps its secret key",
    "recovery heading": "Save your recovery codes",
}
KO = {
    "email": "이메일 주소",
    "next": "다음",
    "password": "암호",
    "sign in": "로그인",
    "mfa code": "MFA 코드",
    "submit": "제출",
    "already used": "이미 사용된 코드입니다. 다음 코드가 표시될 때까지 기다리세요.",
    "throttled": r"시도 횟수가 너무 많습니다\. (\d+)초 후에 다시 시도하세요\.",
    "mfa changed": "사용자의 MFA 디바이스가 변경되어 세션이 종료되었습니다. 다시 로그인하세요.",
    "device name": "디바이스 이름",
    "app": "인증 관리자 앱",
    "show secret": "보안 키 표시",
    "previous": "이전",
    "code 1": "MFA 코드 1",
    "code 2": "MFA 코드 2",
    "add": "MFA 추가",
    "renamed": "디바이스 이름을 바꾸었으며 보안 키는 그대로입니다",
    "recovery heading": "복구 코드 저장",
}
EN_DESKTOP, KO_PHONE = Variant("en", DESKTOP, EN), Variant("ko", PHONE, KO)
EN_PHONE, KO_DESKTOP = Variant("en", PHONE, EN), Variant("ko", DESKTOP, KO)
TWO = [pytest.param(v, id=v.id) for v in (EN_DESKTOP, KO_PHONE)]
FOUR = [pytest.param(v, id=v.id) for v in (EN_DESKTOP, KO_PHONE, EN_PHONE, KO_DESKTOP)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, extra_env={"TWOSTEP_MFA_BASE_DELAY": str(DELAY)}) as running:
        yield running


def new_context(browser: Browser, variant: Variant) -> BrowserContext:
    locale = "ko-KR" if variant.language == "ko" else "en-US"
    return browser.new_context(locale=locale, viewport=variant.viewport)  # type: ignore[arg-type]


def sign_in_root(page: Page, server: RunningServer, words: dict[str, str]) -> None:
    page.goto(server.url + "/")
    page.get_by_label(words["email"]).fill(server.root_email)
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["password"]).fill(server.root_password)
    page.get_by_role("button", name=words["sign in"]).click()


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(int(when))


@pytest.mark.parametrize("variant", TWO)
def test_reused_and_throttled_codes_say_so(browser: Browser, slow_server: RunningServer, variant: Variant) -> None:
    server, words = slow_server, variant.words
    with console_client(server) as setup:  # the device, enrolled through the console with the secret it showed
        setup.sign_in_root()
        enrolled = setup.enrol()
        setup.sign_out()
    context = new_context(browser, variant)
    page = context.new_page()
    errors = watch_csp(page)
    sign_in_root(page, server, words)
    code = page.get_by_label(words["mfa code"], exact=True)
    code.fill(enrolled.code2)  # spent by the enrolment, still in the window
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.get_by_role("alert")).to_have_text(words["already used"])
    assert_no_horizontal_overflow(page)
    # That failure started the device's delay: the right code now is not even evaluated.
    page.get_by_label(words["mfa code"], exact=True).fill(code_at(enrolled.secret, server.now()))
    page.get_by_role("button", name=words["submit"]).click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile(words["throttled"]))
    found = re.search(words["throttled"], alert.inner_text())
    assert found and DELAY - 10 <= int(found.group(1)) <= DELAY
    assert_no_horizontal_overflow(page)
    server.move_clock(DELAY + 1)
    page.get_by_label(words["mfa code"], exact=True).fill(code_at(enrolled.secret, server.now()))
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(server.url + "/console")
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()


@pytest.mark.parametrize("variant", FOUR)
def test_a_second_tab_learns_that_mfa_changed(browser: Browser, server: RunningServer, variant: Variant) -> None:
    words = variant.words
    first_context, second_context = new_context(browser, variant), new_context(browser, variant)
    first, second = first_context.new_page(), second_context.new_page()
    errors = watch_csp(second)
    for page in (first, second):  # the root user without MFA: both open at Assign MFA device
        sign_in_root(page, server, words)
        expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")
    # The first tab assigns a device (S18 ends the user's other sessions).
    first.get_by_label(words["device name"]).fill("phone")
    first.get_by_label(words["app"]).check()
    first.get_by_role("button", name=words["next"]).click()
    first.get_by_role("button", name=words["show secret"]).click()
    secret = first.locator("#secret-key").inner_text().strip()
    now = server.now()
    first.get_by_label(words["code 1"]).fill(code_at(secret, now - 30))
    first.get_by_label(words["code 2"]).fill(code_at(secret, now))
    first.get_by_role("button", name=words["add"]).click()
    expect(first.get_by_role("heading", name=words["recovery heading"])).to_be_visible()
    # The second tab's next step lands on sign-in, saying why.
    second.reload()
    expect(second).to_have_url(server.url + "/signin?notice=mfa-changed")
    expect(second.get_by_role("status")).to_have_text(words["mfa changed"])
    assert_no_horizontal_overflow(second)
    second.goto(server.url + "/security-credentials")  # once: the ended cookie is gone
    expect(second).to_have_url(server.url + "/signin")
    expect(second.get_by_role("status")).to_have_count(0)
    assert not [e for e in errors if "Content Security Policy" in e]
    first_context.close()
    second_context.close()


@pytest.mark.parametrize("variant", TWO)
def test_six_minutes_in_the_wizard_and_previous_keeps_the_secret(
    browser: Browser, server: RunningServer, variant: Variant
) -> None:
    words = variant.words
    context = new_context(browser, variant)
    page = context.new_page()
    errors = watch_csp(page)
    sign_in_root(page, server, words)
    page.get_by_label(words["device name"]).fill("phone-a")
    page.get_by_label(words["app"]).check()
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_role("button", name=words["show secret"]).click()
    secret = page.locator("#secret-key").inner_text().strip()
    assert len(secret) == 32
    server.move_clock(6 * 60)  # finding and installing an authenticator app (the seed's steps 2-4 and 2-5)
    page.get_by_role("link", name=words["previous"]).click()
    expect(page.get_by_label(words["device name"])).to_have_value("phone-a")
    page.get_by_label(words["device name"]).fill("phone-b")
    page.get_by_role("button", name=words["next"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["renamed"])
    page.get_by_role("button", name=words["show secret"]).click()
    assert page.locator("#secret-key").inner_text().strip() == secret  # the same secret: the app entry still works
    expect(page.get_by_text(f"phone-b@{server.account_id}")).to_be_visible()
    assert_no_horizontal_overflow(page)
    now = server.now()
    page.get_by_label(words["code 1"]).fill(code_at(secret, now - 30))
    page.get_by_label(words["code 2"]).fill(code_at(secret, now))
    page.get_by_role("button", name=words["add"]).click()
    # Six minutes after signing in, no re-authentication: the window runs from the wizard's start.
    expect(page.get_by_role("heading", name=words["recovery heading"])).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()
