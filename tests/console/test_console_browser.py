"""The whole console flow in headless Chromium (Playwright), by accessible names, against the real server.

Codes come from pyotp with the secret key the page showed; the QR code the page showed is decoded with
zxing-cpp and must hold the same otpauth URI. With TWOSTEP_SCREENSHOTS=1 the run also refreshes
docs/screenshots/ (English and Korean).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.server_harness import RunningServer, running_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEVICE = "browser-phone"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser tests (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium package); outside CI the browser tests skip")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def shoot(page: Page, name: str) -> None:
    if os.environ.get("TWOSTEP_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(int(when))


def watch_csp(page: Page) -> list[str]:
    """Collects console errors: a CSP violation (inline script or style) shows up here."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


ENGLISH = {"email": "Email address", "next": "Next", "password": "Password", "sign in": "Sign in"}
KOREAN = {"email": "이메일 주소", "next": "다음", "password": "암호", "sign in": "로그인"}


def sign_in_root(page: Page, server: RunningServer, labels: dict[str, str] = ENGLISH) -> None:
    page.goto(server.url + "/")
    page.get_by_label(labels["email"]).fill(server.root_email)
    page.get_by_role("button", name=labels["next"]).click()
    page.get_by_label(labels["password"]).fill(server.root_password)
    page.get_by_role("button", name=labels["sign in"]).click()


def open_account_menu(page: Page, server: RunningServer) -> None:
    page.locator("details.account-menu > summary", has_text=server.root_email).click()


def sign_out(page: Page, server: RunningServer, label: str = "Sign out") -> None:
    open_account_menu(page, server)
    page.get_by_role("button", name=label, exact=True).click()
    expect(page).to_have_url(f"{server.url}/signin?notice=signed-out")


def decode_qr(page: Page) -> str:
    png = page.locator("#qr-panel svg").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "exactly one QR code on the page"
    return str(results[0].text)


def enter_mfa_code(page: Page, code: str, submit: str = "Submit") -> None:
    page.get_by_label("MFA code", exact=True).fill(code)
    page.get_by_role("button", name=submit).click()


def test_the_seed_flow_in_chromium(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors = watch_csp(page)

    # Sign in as the root user: email, then password.
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, "signin.png")
    sign_in_root(page, server)
    # The root user must have MFA (issue 14): without a device, the console opens at the wizard.
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")

    # The wizard: Device name, Authenticator app, Next.
    page.get_by_label("Device name").fill(DEVICE)
    page.get_by_label("Authenticator app").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Set up device")).to_be_visible()

    # Show QR code / Show secret key: both start hidden and open on request.
    qr_button = page.get_by_role("button", name="Show QR code")
    expect(page.locator("#qr-panel")).to_be_hidden()
    qr_button.click()
    expect(qr_button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#qr-panel svg")).to_be_visible()
    page.get_by_role("button", name="Show secret key").click()
    secret = page.locator("#secret-key").inner_text().strip()
    assert len(secret) == 32  # 20 bytes in Base32 (S7)
    shoot(page, "assign-mfa-qr.png")

    uri = urlsplit(decode_qr(page))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/twostep:{DEVICE}@{server.account_id}"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["twostep"]

    # MFA code 1 (the current code) and MFA code 2 (the next one), then Add MFA.
    now = server.now()
    code1, code2 = code_at(secret, now - 30), code_at(secret, now)
    page.get_by_label("MFA code 1").fill(code2)
    page.get_by_label("MFA code 2").fill(code1)
    page.get_by_role("button", name="Add MFA").click()
    expect(page.get_by_role("alert")).to_contain_text("The MFA codes are not valid")
    page.get_by_label("MFA code 1").fill(code1)
    page.get_by_label("MFA code 2").fill(code2)
    page.get_by_role("button", name="Add MFA").click()
    # The first device's recovery codes, shown once; one typed back (docs/recovery.md).
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    recovery_codes = page.locator("#recovery-codes code").all_inner_texts()
    assert secret not in page.content()
    page.get_by_role("textbox", name="Recovery code", exact=True).fill(recovery_codes[0])
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Your recovery codes are saved")
    shoot(page, "security-credentials.png")
    row = page.get_by_role("row", name=DEVICE)
    expect(row).to_contain_text(f"arn:aws:iam::{server.account_id}:mfa/{DEVICE}")
    expect(row).to_contain_text("Virtual MFA device")
    assert secret not in page.content()

    # From now on signing in asks for the code; the enrolment codes are spent.
    sign_out(page, server)
    sign_in_root(page, server)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    shoot(page, "mfa-prompt.png")
    for spent in (code1, code2):  # code 1 may have left the window meanwhile; code 2 was already used (issue 16)
        enter_mfa_code(page, spent)
        expect(page.get_by_role("alert")).to_contain_text(
            re.compile("The MFA code is not valid|That code was already used")
        )
    expect(page.get_by_role("alert")).to_contain_text("That code was already used; wait for the next one.")
    server.move_clock(30)
    used = code_at(secret, server.now())
    enter_mfa_code(page, used)
    expect(page).to_have_url(server.url + "/console")

    # A sign-in code is accepted once; a fresh one signs in.
    sign_out(page, server)
    sign_in_root(page, server)
    enter_mfa_code(page, used)
    expect(page.get_by_role("alert")).to_contain_text("That code was already used; wait for the next one.")
    server.move_clock(30)
    enter_mfa_code(page, code_at(secret, server.now()))
    expect(page).to_have_url(server.url + "/console")
    expect(page.get_by_role("alert")).to_have_count(0)  # no warning: MFA is on

    # The same account in Korean (Accept-Language), the labels of the AWS Korean console.
    korean = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 860})
    ko = korean.new_page()
    ko_errors = watch_csp(ko)
    ko.goto(server.url + "/")
    expect(ko.get_by_role("heading", name="로그인")).to_be_visible()
    shoot(ko, "signin-ko.png")
    sign_in_root(ko, server, KOREAN)
    server.move_clock(30)
    expect(ko.get_by_role("heading", name="멀티 팩터 인증")).to_be_visible()
    ko.get_by_label("MFA 코드", exact=True).fill(code_at(secret, server.now()))
    shoot(ko, "mfa-prompt-ko.png")
    ko.get_by_role("button", name="제출").click()
    expect(ko).to_have_url(server.url + "/console")
    ko.goto(server.url + "/security-credentials")
    expect(ko.get_by_role("heading", name="내 보안 자격 증명")).to_be_visible()
    shoot(ko, "security-credentials-ko.png")
    ko.get_by_role("button", name="MFA 디바이스 할당").click()
    ko.get_by_label("디바이스 이름").fill("second-phone")
    ko.get_by_label("인증 관리자 앱").check()
    ko.get_by_role("button", name="다음").click()
    ko.get_by_role("button", name="QR 코드 표시").click()
    ko.get_by_role("button", name="보안 키 표시").click()
    expect(ko.get_by_label("MFA 코드 1")).to_be_visible()
    expect(ko.get_by_label("MFA 코드 2")).to_be_visible()
    expect(ko.get_by_role("button", name="MFA 추가")).to_be_visible()
    shoot(ko, "assign-mfa-qr-ko.png")
    ko.get_by_role("button", name="취소").click()
    expect(ko).to_have_url(server.url + "/security-credentials")
    expect(ko.get_by_role("row")).to_have_count(2)  # the header and the one device: Cancel left nothing

    # The switcher: back to English in this browser, whatever Accept-Language says.
    ko.get_by_role("button", name="English").click()
    expect(ko.get_by_role("heading", name="My security credentials")).to_be_visible()

    assert not [e for e in errors + ko_errors if "Content Security Policy" in e]
    korean.close()
    context.close()
