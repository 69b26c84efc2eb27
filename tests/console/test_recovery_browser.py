"""A lost phone is not a locked account (issue 14), in headless Chromium against the real server, in English and
Korean: the root user is sent to Assign MFA device, saves the recovery codes the page shows (downloaded as a file)
and confirms one; loses the device (the test forgets its seed); signs in with the mailed link (caught by a local
SMTP server) and a recovery code; lands in the restricted session; assigns a new device, and the old one is gone.
A spent code, a reused link and an expired one are refused; an IAM user recovers with a code alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.console.recovery_support import USER_PASSWORD, MailedServer, iam_user_with_codes, mailed_server
from tests.console.test_console_browser import browser, code_at, watch_csp  # noqa: F401  (the browser fixture)
from tests.server_harness import RunningServer

pytestmark = pytest.mark.browser

LABELS = {
    "en": {
        "locale": "en-US",
        "email": "Email address",
        "next": "Next",
        "password": "Password",
        "sign in": "Sign in",
        "account id": "Account ID",
        "user name": "User name",
        "device name": "Device name",
        "app": "Authenticator app",
        "show secret": "Show secret key",
        "code 1": "MFA code 1",
        "code 2": "MFA code 2",
        "add": "Add MFA",
        "save codes": "Save your recovery codes",
        "download": "Download",
        "copy": "Copy",
        "print": "Print",
        "recovery code": "Recovery code",
        "confirm": "Confirm",
        "saved": "Your recovery codes are saved",
        "remaining": "9 of 10 recovery codes remaining",
        "sign out": "Sign out",
        "mfa": "Multi-factor authentication",
        "trouble": "Having trouble with your MFA device? Sign in using alternative factors",
        "send": "Send verification email",
        "check mail": "Check your email",
        "restricted": "You signed in using alternative factors",
        "assign": "Assign MFA device",
        "assigned": "The MFA device was assigned",
        "not valid": "The recovery code is not valid",
        "used link": "already used",
        "expired link": "has expired",
        "credentials": "My security credentials",
    },
    "ko": {
        "locale": "ko-KR",
        "email": "이메일 주소",
        "next": "다음",
        "password": "암호",
        "sign in": "로그인",
        "account id": "계정 ID",
        "user name": "사용자 이름",
        "device name": "디바이스 이름",
        "app": "인증 관리자 앱",
        "show secret": "보안 키 표시",
        "code 1": "MFA 코드 1",
        "code 2": "MFA 코드 2",
        "add": "MFA 추가",
        "save codes": "복구 코드 저장",
        "download": "다운로드",
        "copy": "복사",
        "print": "인쇄",
        "recovery code": "복구 코드",
        "confirm": "확인",
        "saved": "복구 코드를 저장했습니다",
        "remaining": "남은 복구 코드 9개 (전체 10개)",
        "sign out": "로그아웃",
        "mfa": "멀티 팩터 인증",
        "trouble": "MFA 디바이스에 문제가 있나요? 대체 인증 요소를 사용하여 로그인",
        "send": "확인 이메일 보내기",
        "check mail": "이메일을 확인하세요",
        "restricted": "대체 인증 요소를 사용하여 로그인했습니다",
        "assign": "MFA 디바이스 할당",
        "assigned": "MFA 디바이스가 할당되었습니다",
        "not valid": "복구 코드가 유효하지 않습니다",
        "used link": "이미 사용되었거나",
        "expired link": "만료되었습니다",
        "credentials": "내 보안 자격 증명",
    },
}


@pytest.fixture
def mailed(tmp_path: Path) -> Iterator[MailedServer]:
    with mailed_server(tmp_path) as running:
        yield running


def sign_in_root(page: Page, server: RunningServer, words: dict[str, str]) -> None:
    page.goto(server.url + "/signin")
    page.get_by_label(words["email"]).fill(server.root_email)
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["password"]).fill(server.root_password)
    page.get_by_role("button", name=words["sign in"]).click()


def sign_out(page: Page, words: dict[str, str]) -> None:
    page.locator("details.account-menu > summary").click()
    page.get_by_role("button", name=words["sign out"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/signin"))


def assign_device(page: Page, server: RunningServer, words: dict[str, str], name: str) -> str:
    """The wizard from step 1 (already open): returns the secret key the page showed."""
    page.get_by_label(words["device name"]).fill(name)
    page.get_by_label(words["app"]).check()
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_role("button", name=words["show secret"]).click()
    secret = page.locator("#secret-key").inner_text().strip()
    now = server.now()
    page.get_by_label(words["code 1"]).fill(code_at(secret, now - 30))
    page.get_by_label(words["code 2"]).fill(code_at(secret, now))
    page.get_by_role("button", name=words["add"]).click()
    return secret


def recovery_code_field(page: Page, words: dict[str, str]) -> object:
    return page.get_by_role("textbox", name=words["recovery code"], exact=True)


def ask_for_the_link(page: Page, server: RunningServer, mailed: MailedServer, words: dict[str, str]) -> str:
    """From the MFA page: alternative factors, the verification mail; returns the link it holds."""
    before = len(mailed.inbox.received)
    expect(page.get_by_role("heading", name=words["mfa"])).to_be_visible()
    page.get_by_role("link", name=words["trouble"]).click()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", name=words["check mail"])).to_be_visible()
    mailed.wait_for_mail(before + 1)
    return mailed.link()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_lost_phone_is_not_a_locked_account(browser: Browser, mailed: MailedServer, language: str) -> None:  # noqa: F811
    words, server = LABELS[language], mailed.server
    viewport = {"width": 1280, "height": 900}
    context = browser.new_context(locale=words["locale"], viewport=viewport, accept_downloads=True)
    page = context.new_page()
    errors = watch_csp(page)

    # Required MFA: the root user's first page is the wizard, and nothing else opens.
    sign_in_root(page, server, words)
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")
    page.goto(server.url + "/users")
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")
    assign_device(page, server, words, "root-phone")

    # The recovery codes, shown once: copy, download, print; confirm one back.
    expect(page.get_by_role("heading", name=words["save codes"])).to_be_visible()
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    expect(page.get_by_role("button", name=words["copy"])).to_be_visible()
    expect(page.get_by_role("button", name=words["print"])).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=words["download"]).click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert [line for line in saved.splitlines() if line in codes] == codes
    recovery_code_field(page, words).fill(codes[0])  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["saved"])
    expect(page.locator("#recovery-codes-remaining")).to_have_text(words["remaining"])
    assert codes[1] not in page.content()

    # The phone is lost: the test forgets its seed. The mailed link and a recovery code sign in.
    sign_out(page, words)
    sign_in_root(page, server, words)
    link = ask_for_the_link(page, server, mailed, words)
    page.goto(link)
    recovery_code_field(page, words).fill(codes[0])  # type: ignore[attr-defined]  # spent when confirmed
    page.get_by_role("button", name=words["sign in"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["not valid"])
    server.move_clock(2)  # past the delay the failure earned
    recovery_code_field(page, words).fill(codes[1])  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["sign in"]).click()

    # The restricted session: Security credentials only.
    expect(page).to_have_url(re.compile(r"/security-credentials\?notice=recovery-session$"))
    expect(page.get_by_role("alert")).to_contain_text(words["restricted"])
    page.goto(server.url + "/users")
    expect(page).to_have_url(server.url + "/security-credentials")
    page.get_by_role("button", name=words["assign"]).click()
    assign_device(page, server, words, "new-phone")
    expect(page.get_by_role("status")).to_contain_text(words["assigned"])
    expect(page.get_by_role("row", name="new-phone")).to_be_visible()
    expect(page.get_by_role("row", name="root-phone")).to_have_count(0)  # the lost one is gone
    page.goto(server.url + "/users")
    expect(page).to_have_url(server.url + "/users")  # an ordinary session again

    # The used link is refused, and so are a spent code and, after 15 minutes, an unused link.
    sign_out(page, words)
    sign_in_root(page, server, words)
    page.goto(link)
    expect(page.locator(".flash.error")).to_contain_text(words["used link"])
    page.goto(server.url + "/signin/mfa")
    fresh = ask_for_the_link(page, server, mailed, words)
    page.goto(fresh)
    recovery_code_field(page, words).fill(codes[1])  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["sign in"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["not valid"])
    server.move_clock(15 * 60)
    page.goto(fresh)
    expect(page.locator(".flash.error")).to_contain_text(words["expired link"])

    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_iam_user_recovers_with_a_code_alone(browser: Browser, mailed: MailedServer, language: str) -> None:  # noqa: F811
    words, server = LABELS[language], mailed.server
    alice = iam_user_with_codes(server, "alice")
    context = browser.new_context(locale=words["locale"], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/signin/iam?account={server.account_id}")
    page.get_by_label(words["user name"]).fill("alice")
    page.get_by_label(words["password"]).fill(USER_PASSWORD)
    page.get_by_role("button", name=words["sign in"]).click()
    expect(page.get_by_role("heading", name=words["mfa"])).to_be_visible()
    page.get_by_role("link", name=words["trouble"]).click()
    expect(page.get_by_role("button", name=words["send"])).to_have_count(0)  # no mail for IAM users
    recovery_code_field(page, words).fill(alice.recovery_codes[2])  # type: ignore[attr-defined]
    page.get_by_role("button", name=words["sign in"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["restricted"])
    expect(page.get_by_role("heading", name=words["credentials"])).to_be_visible()
    page.get_by_role("button", name=words["assign"]).click()
    assign_device(page, server, words, "alice-new")
    expect(page.get_by_role("status")).to_contain_text(words["assigned"])  # nine codes remain: none are owed
    expect(page.get_by_role("row", name="alice-phone")).to_have_count(0)
    expect(page.get_by_role("row", name="alice-new")).to_be_visible()
    context.close()
