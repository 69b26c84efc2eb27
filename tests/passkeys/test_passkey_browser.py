"""Passkeys in headless Chromium with Chromium's virtual authenticator (CDP WebAuthn domain: ctap2, internal and
usb transports, with and without user verification), against the real server reached at localhost.

Registration for the root user (English) and an IAM user (Korean), sign-out and sign-in with the passkey, the
choice between a passkey and an authenticator app, an unregistered authenticator refused, removal. With
TWOSTEP_SCREENSHOTS=1 the run also refreshes the README's screenshots of the wizard's first step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from tests.console.test_console_browser import (  # noqa: F401 - browser is a fixture
    ENGLISH,
    KOREAN,
    browser,
    shoot,
    sign_in_root,
    watch_csp,
)
from tests.helpers import code_at
from tests.passkeys.console_passkeys import at_localhost
from tests.server_harness import RunningServer, running_server
from tests.signin.security_bar import enrol

pytestmark = pytest.mark.browser

ALICE_PASSWORD = "alice's long passphrase"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield at_localhost(running)


class VirtualAuthenticator:
    """Chromium's virtual authenticator on one page: it answers navigator.credentials by itself."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.cdp: CDPSession = context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        self.id = ""

    def add(self, *, transport: str, user_verification: bool) -> VirtualAuthenticator:
        options = {
            "protocol": "ctap2",
            "transport": transport,
            "hasResidentKey": True,
            "hasUserVerification": user_verification,
            "isUserVerified": user_verification,
            "automaticPresenceSimulation": True,
        }
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
        return self

    def remove(self) -> None:
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})

    def credentials(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})[
            "credentials"
        ]
        return found


def new_page(browser: Browser, locale: str) -> tuple[BrowserContext, Page, list[str]]:  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    return context, page, watch_csp(page)


def sign_out(page: Page, name: str, label: str = "Sign out") -> None:
    page.locator("details.account-menu > summary", has_text=name).click()
    page.get_by_role("button", name=label, exact=True).click()
    expect(page).to_have_url(re.compile(r".*/signin.*notice=signed-out"))


def assign_passkey(page: Page, server: RunningServer, name: str, labels: dict[str, str], screenshot: str) -> None:
    """Assign MFA device, step 1 with the passkey type: the browser's prompt follows; a user's first device then
    shows the recovery codes once (issue 14), and the user confirms one."""
    page.goto(server.url + "/security-credentials/mfa/assign")
    passkey = page.get_by_label(labels["passkey"])
    expect(passkey).to_be_enabled()
    expect(passkey).to_be_checked()  # first in AWS's order, and usable here
    expect(page.get_by_label(labels["app"])).to_be_enabled()
    expect(page.get_by_label(labels["hardware"])).to_be_enabled()
    names = page.locator(".card-choice label").all_inner_texts()
    assert names == [labels["passkey"], labels["app"], labels["hardware"]]
    page.get_by_label(labels["device name"]).fill(name)
    if screenshot:
        shoot(page, screenshot)
    page.get_by_role("button", name=labels["next"]).click()
    codes = page.locator("#recovery-codes code")
    # Registered: Security credentials lists it, or (a first device) the recovery codes come first.
    expect(page.get_by_role("row", name=name).or_(codes.first)).to_be_visible(timeout=30_000)
    if codes.count():
        page.get_by_role("textbox", name=labels["recovery code"], exact=True).fill(codes.first.inner_text().strip())
        page.get_by_role("button", name=labels["confirm"]).click()
        expect(page.get_by_role("row", name=name)).to_be_visible()


EN = {
    **ENGLISH,
    "locale": "en-US",
    "assign": "Assign MFA device",
    "passkey": "Passkey or security key",
    "app": "Authenticator app",
    "hardware": "Hardware TOTP token",
    "device name": "Device name",
    "assigned": "The passkey or security key was assigned",
    "user name": "User name",
    "sign out": "Sign out",
    "remove": "Remove",
    "removed": "The MFA device was removed",
    "mfa code": "MFA code",
    "recovery code": "Recovery code",
    "confirm": "Confirm",
}
KO = {
    **KOREAN,
    "locale": "ko-KR",
    "assign": "MFA 디바이스 할당",
    "passkey": "패스키 또는 보안 키",
    "app": "인증 관리자 앱",
    "hardware": "하드웨어 TOTP 토큰",
    "device name": "디바이스 이름",
    "assigned": "패스키 또는 보안 키가 할당되었습니다",
    "user name": "사용자 이름",
    "sign out": "로그아웃",
    "remove": "제거",
    "removed": "MFA 디바이스를 제거했습니다",
    "mfa code": "MFA 코드",
    "recovery code": "복구 코드",
    "confirm": "확인",
}
LANGUAGES = [pytest.param(EN, id="english"), pytest.param(KO, id="korean")]


@pytest.mark.parametrize("labels", LANGUAGES)
def test_root_registers_signs_in_with_and_removes_a_platform_passkey(
    browser: Browser,  # noqa: F811
    server: RunningServer,
    labels: dict[str, str],
) -> None:
    context, page, errors = new_page(browser, labels["locale"])
    authenticator = VirtualAuthenticator(context, page).add(transport="internal", user_verification=True)
    sign_in_root(page, server, labels)
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")  # the root user must have MFA

    screenshot = "assign-mfa-device.png" if labels is EN else "assign-mfa-device-ko.png"
    assign_passkey(page, server, "laptop-passkey", labels, screenshot)
    row = page.get_by_role("row", name="laptop-passkey")
    expect(row).to_contain_text(labels["passkey"])
    expect(row).to_contain_text(f"arn:aws:iam::{server.account_id}:u2f/root/laptop-passkey-")
    expect(row.locator("form[action$='/resync']")).to_have_count(0)
    [credential] = authenticator.credentials()
    assert credential["rpId"] == "localhost"

    # Sign out; the password, then the browser's prompt starts from the MFA page by itself.
    sign_out(page, server.root_email, labels["sign out"])
    sign_in_root(page, server, labels)
    expect(page).to_have_url(server.url + "/console")
    assert authenticator.credentials()[0]["signCount"] >= 1

    # Remove it: the sign-in just now is the fresh proof; no code is asked.
    page.goto(server.url + "/security-credentials")
    page.get_by_role("row", name="laptop-passkey").get_by_role("button", name=labels["remove"]).click()
    expect(page.get_by_label(labels["mfa code"])).to_have_count(0)
    page.get_by_role("button", name=labels["remove"]).click()
    # The root user's last device is gone: the root user must have MFA, so the console opens at the wizard.
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")
    sign_out(page, server.root_email, labels["sign out"])
    sign_in_root(page, server, labels)
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")  # no MFA any more: enrol again

    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()


@pytest.mark.parametrize("labels", LANGUAGES)
def test_an_iam_user_registers_a_security_key_without_user_verification(
    browser: Browser,  # noqa: F811
    server: RunningServer,
    labels: dict[str, str],
) -> None:
    with server.services() as services:
        root = services.identity.root_user(server.account_id)
        services.identity.create_user(server.account_id, "alice", actor=root, password=ALICE_PASSWORD)
    context, page, errors = new_page(browser, labels["locale"])
    authenticator = VirtualAuthenticator(context, page).add(transport="usb", user_verification=False)

    def sign_in() -> None:
        page.goto(f"{server.url}/signin/iam?account={server.account_id}")
        page.get_by_label(labels["user name"]).fill("alice")
        page.get_by_label(labels["password"]).fill(ALICE_PASSWORD)
        page.get_by_role("button", name=labels["sign in"]).click()

    sign_in()
    expect(page).to_have_url(server.url + "/console")
    assign_passkey(page, server, "yubikey", labels, "")
    row = page.get_by_role("row", name="yubikey")
    expect(row).to_contain_text(labels["passkey"])
    expect(row).to_contain_text(f"arn:aws:iam::{server.account_id}:u2f/user/alice/yubikey-")
    assert len(authenticator.credentials()) == 1

    sign_out(page, "alice", labels["sign out"])
    sign_in()
    expect(page).to_have_url(server.url + "/console")
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()


def test_choosing_between_a_passkey_and_an_authenticator_app(
    browser: Browser,  # noqa: F811
    server: RunningServer,
) -> None:
    with server.services() as services:
        root = services.identity.root_user(server.account_id)
        app_id, _, seed = enrol(services, services.clock, root, "phone")  # type: ignore[arg-type]
    context, page, _ = new_page(browser, "en-US")
    VirtualAuthenticator(context, page).add(transport="usb", user_verification=True)

    sign_in_root(page, server)
    page.get_by_label("MFA code", exact=True).fill(code_at(seed, server.now()))
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(server.url + "/console")
    assign_passkey(page, server, "usb-key", EN, "")
    sign_out(page, server.root_email)

    # The app is the first device, so nothing starts by itself; choosing the passkey hides the code field.
    sign_in_root(page, server)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    expect(page.get_by_label("phone")).to_be_checked()
    page.get_by_label("usb-key").check()
    expect(page.get_by_label("MFA code", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(server.url + "/console")
    sign_out(page, server.root_email)

    # And the app still signs in, with the passkey there to choose.
    sign_in_root(page, server)
    page.get_by_label("usb-key").check()
    page.get_by_label("phone").check()
    server.move_clock(30)
    page.get_by_label("MFA code", exact=True).fill(code_at(seed, server.now()))
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(server.url + "/console")
    assert app_id
    context.close()


def test_an_unregistered_authenticator_is_refused(
    browser: Browser,  # noqa: F811
    server: RunningServer,
) -> None:
    context, page, _ = new_page(browser, "en-US")
    registered = VirtualAuthenticator(context, page).add(transport="usb", user_verification=True)
    sign_in_root(page, server)
    assign_passkey(page, server, "lost-key", EN, "")
    expect(page.get_by_role("row", name="lost-key")).to_be_visible()
    sign_out(page, server.root_email)

    registered.remove()  # the registered key is gone; another one, never registered, is plugged in
    stranger = VirtualAuthenticator(context, page).add(transport="usb", user_verification=True)
    sign_in_root(page, server)
    expect(page.get_by_role("status")).to_contain_text("The browser did not return a passkey", timeout=30_000)
    expect(page).to_have_url(server.url + "/signin/mfa")
    assert stranger.credentials() == []
    context.close()
