"""Long names, small screens, local times, setting up on the same phone (issue 16, items 5-7), in headless Chromium
against the real server, in English and Korean, on a desktop and on a 390x844 phone.

A 128-character device name (226, the longest, in the wizard), a 64-character user name and the ARNs and serial
numbers built from them never widen a page (the document is no wider than the window, no table scrolls sideways,
nothing lies outside the window): they wrap or stop after two lines, with the whole value in the title and behind a
copy button. On the phone the device table is one card per device with its actions in view. Times show in the
browser's time zone (Asia/Seoul here), with the zone named. The wizard offers the otpauth:// URI as a link and lists
the compatible apps by platform; the home page's warning of a user without MFA leads straight to the wizard.

With TWOSTEP_SCREENSHOTS=1 the run also refreshes the phone screenshots in docs/screenshots/ (long-names-phone,
assign-mfa-qr-phone, users-phone).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.console.test_console_browser import browser, shoot, watch_csp  # noqa: F401  (the fixture)
from tests.helpers import code_at, earlier_step_codes
from tests.server_harness import RunningServer, running_server
from twostep.console.authenticator_apps import COMPATIBLE_APPS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
ZONE = "Asia/Seoul"
USER_PASSWORD = "a long console password"
LONG_USER = ("alice.wonderland-" * 4)[:64]  # AWS's longest user name
LONG_DEVICE = ("Pixel9ProFoldWorkPhone" * 6)[:128]  # a device name with nowhere to break
WIZARD_DEVICE = ("SecondPhoneForTravel" * 12)[:226]  # the longest name the wizard takes (as AWS)
NEWCOMER = "newcomer"

WORDS = {
    "en": {
        "locale": "en-US",
        "email": "Email address",
        "next": "Next",
        "password": "Password",
        "sign in": "Sign in",
        "user name": "User name",
        "mfa code": "MFA code",
        "submit": "Submit",
        "credentials": "My security credentials",
        "assign": "Assign MFA device",
        "device name": "Device name",
        "app": "Authenticator app",
        "set up": "Set up device",
        "select": "Select MFA device",
        "open in app": "Open in authenticator app",
        "show secret": "Show secret key",
        "app list": "See a list of compatible applications",
        "platforms": ["Android", "iOS", "Desktop computers", "Password managers"],
        "cancel": "Cancel",
        "resync": "Resync",
        "remove": "Remove",
        "deactivate": "Deactivate",
        "users": "Users",
        "copy device name": "Copy Device name",
        "copied": "Copied",
        "type label": "Type",
        "zone": "Korean Standard Time",
        "no mfa": "You have no MFA device",
        "home": "Console home",
    },
    "ko": {
        "locale": "ko-KR",
        "email": "이메일 주소",
        "next": "다음",
        "password": "암호",
        "sign in": "로그인",
        "user name": "사용자 이름",
        "mfa code": "MFA 코드",
        "submit": "제출",
        "credentials": "내 보안 자격 증명",
        "assign": "MFA 디바이스 할당",
        "device name": "디바이스 이름",
        "app": "인증 관리자 앱",
        "set up": "디바이스 설정",
        "select": "MFA 디바이스 선택",
        "open in app": "인증 관리자 앱에서 열기",
        "show secret": "보안 키 표시",
        "app list": "호환되는 애플리케이션 목록 참조",
        "platforms": ["Android", "iOS", "데스크톱 컴퓨터", "암호 관리자"],
        "cancel": "취소",
        "resync": "재동기화",
        "remove": "제거",
        "deactivate": "비활성화",
        "users": "사용자",
        "copy device name": "디바이스 이름 복사",
        "copied": "복사됨",
        "type label": "유형",
        "zone": "한국 표준시",
        "no mfa": "MFA 디바이스가 없습니다",
        "home": "콘솔 홈",
    },
}


@dataclass
class Account:
    server: RunningServer
    root_seed: bytes
    user_seed: bytes
    user_enabled_at: float


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    """The root user and LONG_USER, each with a device whose name is 128 characters long (their recovery codes
    taken, as the first sign-in would show them), and NEWCOMER, an IAM user with no MFA device."""
    with running_server(tmp_path) as server, server.services() as services:
        root = services.identity.root_user(server.account_id)

        def assigned(user: Any, name: str) -> tuple[bytes, float]:
            new = services.mfa.create_virtual_device(server.account_id, name, actor=user)
            device = services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, server.now), actor=user)
            services.recovery.issue_owed(user)
            assert device.enabled_at is not None
            return new.seed, device.enabled_at

        root_seed, _ = assigned(root, "root-" + LONG_DEVICE[5:])
        user = services.identity.create_user(server.account_id, LONG_USER, actor=root, password=USER_PASSWORD)
        user_seed, enabled_at = assigned(user, LONG_DEVICE)
        services.identity.create_user(server.account_id, NEWCOMER, actor=root, password=USER_PASSWORD)
        yield Account(server, root_seed, user_seed, enabled_at)


def sign_in_user(page: Page, server: RunningServer, words: dict[str, Any], name: str, seed: bytes | None) -> None:
    page.goto(f"{server.url}/signin/iam?account={server.account_id}")
    page.get_by_label(words["user name"]).fill(name)
    page.get_by_label(words["password"]).fill(USER_PASSWORD)
    page.get_by_role("button", name=words["sign in"]).click()
    if seed is not None:
        page.get_by_label(words["mfa code"], exact=True).fill(code_at(seed, server.now()))
        page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(server.url + "/console")


def sign_in_root(page: Page, server: RunningServer, words: dict[str, Any], seed: bytes) -> None:
    page.goto(server.url + "/signin")
    page.get_by_label(words["email"]).fill(server.root_email)
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["password"]).fill(server.root_password)
    page.get_by_role("button", name=words["sign in"]).click()
    page.get_by_label(words["mfa code"], exact=True).fill(code_at(seed, server.now()))
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(server.url + "/console")


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


OVERFLOW = """() => {
  const inner = window.innerWidth;
  const hidden = (element) => {  // the column headers of a table shown as cards: visually hidden, read aloud
    const head = element.closest("thead");
    return head !== null && head.getBoundingClientRect().width <= 1;
  };
  const outside = Array.from(document.querySelectorAll("main *, header *")).filter((element) => {
    if (hidden(element)) {
      return false;
    }
    const box = element.getBoundingClientRect();
    return box.width > 0 && (box.right > inner + 0.5 || box.left < -0.5);
  });
  return {
    page: [document.documentElement.scrollWidth, inner],
    tables: Array.from(document.querySelectorAll(".table-wrap")).map((wrap) => [wrap.scrollWidth, wrap.clientWidth]),
    outside: outside.map((element) => element.outerHTML.slice(0, 120)),
  };
}"""


def assert_no_horizontal_overflow(page: Page) -> None:
    found = page.evaluate(OVERFLOW)
    scroll_width, inner_width = found["page"]
    assert scroll_width <= inner_width, found
    assert all(scroll <= client for scroll, client in found["tables"]), found
    assert not found["outside"], found


def inside_the_window(page: Page, element: Locator) -> None:
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box  # type: ignore[index]


def check_full_value(value: Locator, full: str) -> None:
    """A long value keeps the whole of it: as its tooltip and in its copy button."""
    expect(value.locator(".long-value-text")).to_have_attribute("title", full)
    expect(value.get_by_role("button")).to_have_attribute("data-copy-text", full)


def new_page(browser: Browser, words: dict[str, Any], viewport: dict[str, int]) -> tuple[Page, list[str]]:  # noqa: F811
    context = browser.new_context(locale=words["locale"], viewport=viewport, timezone_id=ZONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    return page, watch_csp(page)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_long_names_fit_and_times_are_local(
    browser: Browser,  # noqa: F811
    account: Account,
    language: str,
    viewport: str,
) -> None:
    words, server = WORDS[language], account.server
    phone = viewport == "phone"
    page, errors = new_page(browser, words, PHONE if phone else DESKTOP)
    suffix = ("-phone" if phone else "-desktop") + ("-ko" if language == "ko" else "")

    # Security credentials of the 64-character user with a 128-character device.
    sign_in_user(page, server, words, LONG_USER, account.user_seed)
    page.goto(server.url + "/security-credentials")
    expect(page.get_by_role("heading", name=words["credentials"])).to_be_visible()
    assert_no_horizontal_overflow(page)
    facts = page.locator("dl.facts .long-value")
    check_full_value(facts.nth(0), LONG_USER)
    check_full_value(facts.nth(1), f"arn:aws:iam::{server.account_id}:user/{LONG_USER}")
    row = page.get_by_role("row", name=LONG_DEVICE[:40])
    name = row.locator("td.card-title .long-value")
    check_full_value(name, LONG_DEVICE)
    serial = f"arn:aws:iam::{server.account_id}:mfa/{LONG_DEVICE}"
    check_full_value(row.locator("td").nth(2).locator(".long-value"), serial)
    clamped = name.locator(".long-value-text").evaluate("text => text.scrollHeight > text.clientHeight + 1")
    for action in (words["resync"], words["remove"]):
        inside_the_window(page, row.get_by_role("button", name=action, exact=True))
    if phone:
        # One card per device: no column headers, each value under its column's name, the whole name shown.
        assert page.locator("table.devices thead").evaluate("head => head.getBoundingClientRect().width") <= 1
        label = row.locator("td").nth(1).evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == f'"{words["type label"]}"'
        assert not clamped
        row_box, window = row.bounding_box(), PHONE["width"]
        assert row_box is not None and row_box["x"] + row_box["width"] <= window
    else:
        assert clamped  # two lines and an ellipsis; the tooltip and the copy button have the rest
        expect(name.get_by_role("button")).to_have_accessible_name(words["copy device name"])
        copy = name.locator("button.copy")
        copy.click()
        expect(copy).to_have_attribute("aria-label", words["copied"])
        assert page.evaluate("navigator.clipboard.readText()") == LONG_DEVICE

    # The time the device was assigned, in the browser's zone (Asia/Seoul), with the zone named.
    time = row.locator("time")
    utc = datetime.fromtimestamp(int(account.user_enabled_at), UTC)
    expect(time).to_have_attribute("datetime", utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    local = utc.astimezone(ZoneInfo(ZONE))
    shown = time.inner_text()
    hour, afternoon = local.hour % 12 or 12, local.hour >= 12
    if language == "en":  # "Dec 3, 2026, 4:09:49 PM Korean Standard Time"
        clock = f"{hour}:{local:%M}:{local:%S} {'PM' if afternoon else 'AM'}"
    else:  # "2026년 12월 3일 오후 4시 9분 49초 한국 표준시"
        clock = f"{'오후' if afternoon else '오전'} {hour}시 {local.minute}분 {local.second}초"
    assert f"{clock} {words['zone']}" in shown.replace("\u202f", " ").replace("\xa0", " "), shown
    assert f"{local.year}" in shown and f"{local.day}" in shown, shown
    assert str(time.get_attribute("title")).endswith("UTC")
    if phone:
        shoot(page, f"long-names{suffix}.png")

    # The account menu (the 64-character name), then Resync and Remove of the 128-character device.
    page.locator("details.account-menu > summary").click()
    expect(page.locator(".menu-facts")).to_contain_text(LONG_USER)
    assert_no_horizontal_overflow(page)
    page.locator("details.account-menu > summary").click()
    for action in (words["resync"], words["remove"]):
        row.get_by_role("button", name=action, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("main")).to_contain_text(LONG_DEVICE)
        assert_no_horizontal_overflow(page)
        page.go_back()

    # The wizard with a 226-character name: the page stays within the window; the key URI is a link.
    page.get_by_role("button", name=words["assign"]).click()
    page.get_by_label(words["device name"]).fill(WIZARD_DEVICE)
    page.get_by_label(words["app"]).check()
    page.get_by_role("button", name=words["next"]).click()
    expect(page.get_by_role("heading", name=words["set up"])).to_be_visible()
    assert_no_horizontal_overflow(page)
    page.get_by_role("button", name=words["show secret"]).click()
    secret = page.locator("#secret-key").inner_text().strip()
    link = page.get_by_role("link", name=words["open in app"])
    inside_the_window(page, link)
    uri = urlsplit(str(link.get_attribute("href")))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/twostep:{WIZARD_DEVICE}@{server.account_id}"
    assert parse_qs(uri.query) == {"secret": [secret], "issuer": ["twostep"]}
    check_full_value(page.locator("#secret-panel .long-value"), f"{WIZARD_DEVICE}@{server.account_id}")
    # The compatible apps, by platform.
    page.get_by_text(words["app list"]).click()
    for group, platform in zip(COMPATIBLE_APPS, words["platforms"], strict=True):
        apps = page.get_by_role("list", name=platform, exact=True)
        expect(apps).to_be_visible()
        expect(apps.get_by_role("listitem")).to_have_text(list(group.apps))
    assert_no_horizontal_overflow(page)
    if phone:
        shoot(page, f"assign-mfa-qr{suffix}.png")
    page.get_by_role("button", name=words["cancel"]).click()

    # The users page, as the root user: the 64-character name, its ARN and its device's serial.
    sign_out(page)
    sign_in_root(page, server, words, account.root_seed)
    page.goto(server.url + "/users")
    expect(page.get_by_role("heading", name=words["users"], exact=True).first).to_be_visible()
    assert_no_horizontal_overflow(page)
    user_row = page.get_by_role("row", name=LONG_USER[:30])
    check_full_value(user_row.locator("td.card-title .long-value"), LONG_USER)
    inside_the_window(page, user_row.get_by_role("button", name=words["deactivate"]))
    if phone:
        shoot(page, f"users{suffix}.png")

    assert not [e for e in errors if "Content Security Policy" in e]
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_home_warning_leads_to_the_wizard(
    browser: Browser,  # noqa: F811
    account: Account,
    language: str,
    viewport: str,
) -> None:
    words, server = WORDS[language], account.server
    page, errors = new_page(browser, words, PHONE if viewport == "phone" else DESKTOP)
    sign_in_user(page, server, words, NEWCOMER, None)
    expect(page.get_by_role("heading", name=words["home"])).to_be_visible()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text(words["no mfa"])
    button = warning.get_by_role("link", name=words["assign"])
    inside_the_window(page, button)
    assert_no_horizontal_overflow(page)
    button.click()
    expect(page).to_have_url(server.url + "/security-credentials/mfa/assign")
    expect(page.get_by_role("heading", name=words["select"])).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]
    page.context.close()
