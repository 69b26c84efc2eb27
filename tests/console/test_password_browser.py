"""Change password in headless Chromium (issue 16, item 1), in English and Korean, on a desktop and a 390x844 phone:
an IAM user made through boto3 with CreateLoginProfile(PasswordResetRequired=True) must choose a new password right
after signing in and reaches nothing else first; later the same user changes it again from Security credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.awsapi.iam_support import iam_client
from tests.console.test_console_browser import browser, watch_csp
from tests.server_harness import RunningServer, running_server

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the module's Chromium fixture, shared

FIRST = "first password for the test"
SECOND = "second password, longer still"
THIRD = "third password of the series"
SELF_SERVICE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "arn:aws:iam::*:user/${aws:username}"}
        ],
    }
)

WORDS = {
    "en": {
        "account": "Account ID",
        "user": "User name",
        "password": "Password",
        "sign in": "Sign in",
        "change": "Change password",
        "current": "Current password",
        "new": "New password",
        "retype": "Retype new password",
        "required": "Your administrator requires you to choose a new password before you continue.",
        "policy": "From 8 to 128 characters",
        "changed": "Your password was changed. Your other console sessions were signed out.",
        "mismatch": "The new passwords do not match. Type the same new password twice.",
        "wrong": "The current password is not correct.",
        "credentials": "Security credentials",
        "console password": "Console password",
        "sign out": "Sign out",
    },
    "ko": {
        "account": "계정 ID",
        "user": "사용자 이름",
        "password": "암호",
        "sign in": "로그인",
        "change": "암호 변경",
        "current": "현재 암호",
        "new": "새 암호",
        "retype": "새 암호 재입력",
        "required": "계속하려면 관리자가 요구한 대로 새 암호를 설정해야 합니다.",
        "policy": "8~128자",
        "changed": "암호가 변경되었습니다. 다른 콘솔 세션은 모두 로그아웃되었습니다.",
        "mismatch": "새 암호가 일치하지 않습니다. 같은 새 암호를 두 번 입력하세요.",
        "wrong": "현재 암호가 올바르지 않습니다.",
        "credentials": "보안 자격 증명",
        "console password": "콘솔 암호",
        "sign out": "로그아웃",
    },
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("password-browser")) as running:
        yield running


def sign_in_iam(page: Page, server: RunningServer, words: dict[str, str], name: str, password: str) -> None:
    page.goto(f"{server.url}/signin/iam?account={server.account_id}")
    expect(page.get_by_label(words["account"])).to_have_value(server.account_id)
    page.get_by_label(words["user"]).fill(name)
    page.get_by_label(words["password"], exact=True).fill(password)
    page.get_by_role("button", name=words["sign in"]).click()


def fill_change(page: Page, words: dict[str, str], current: str, new: str, retype: str) -> None:
    page.get_by_label(words["current"]).fill(current)
    page.get_by_label(words["new"], exact=True).fill(new)
    page.get_by_label(words["retype"]).fill(retype)
    page.locator("form[action='/security-credentials/password']").get_by_role("button", name=words["change"]).click()


def no_horizontal_overflow(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_forced_change_then_a_chosen_one(
    browser: Browser, server: RunningServer, language: str, viewport: str
) -> None:
    words = WORDS[language]
    name = f"reset-{language}-{viewport}"
    iam: Any = iam_client(server)
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=FIRST, PasswordResetRequired=True)

    context = browser.new_context(locale="ko-KR" if language == "ko" else "en-US", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    errors = watch_csp(page)

    # Right after the password step: the change page, and nothing else.
    sign_in_iam(page, server, words, name, FIRST)
    expect(page).to_have_url(server.url + "/security-credentials/password")
    expect(page.get_by_role("heading", name=words["change"])).to_be_visible()
    expect(page.get_by_text(words["required"])).to_be_visible()
    expect(page.get_by_text(words["policy"])).to_be_visible()
    expect(page.get_by_role("link", name=words["credentials"])).to_have_count(0)  # the console's links are hidden
    no_horizontal_overflow(page)
    for elsewhere in ("/console", "/security-credentials", "/users"):
        page.goto(server.url + elsewhere)
        expect(page).to_have_url(server.url + "/security-credentials/password")

    fill_change(page, words, FIRST, SECOND, SECOND + "x")
    expect(page.get_by_role("alert")).to_have_text(words["mismatch"])
    fill_change(page, words, FIRST, SECOND, SECOND)
    expect(page).to_have_url(server.url + "/console?notice=password-updated")
    expect(page.get_by_role("status")).to_have_text(words["changed"])
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False

    # Later, a change the user chooses: Security credentials -> Console password -> Change password.
    iam.put_user_policy(UserName=name, PolicyName="change-own-password", PolicyDocument=SELF_SERVICE)
    page.goto(server.url + "/security-credentials")
    panel = page.locator("#console-password")
    expect(panel.get_by_role("heading", name=words["console password"])).to_be_visible()
    no_horizontal_overflow(page)
    panel.get_by_role("link", name=words["change"]).click()
    expect(page).to_have_url(server.url + "/security-credentials/password")
    fill_change(page, words, "not the password", THIRD, THIRD)
    expect(page.get_by_role("alert")).to_contain_text(words["wrong"])
    server.move_clock(5)  # the failure's delay (S11)
    fill_change(page, words, SECOND, THIRD, THIRD)
    expect(page).to_have_url(server.url + "/security-credentials?notice=password-updated")
    expect(page.get_by_role("status")).to_have_text(words["changed"])
    no_horizontal_overflow(page)

    page.locator("details.account-menu > summary").click()
    page.get_by_role("button", name=words["sign out"], exact=True).click()
    sign_in_iam(page, server, words, name, THIRD)
    expect(page).to_have_url(server.url + "/console")
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()
