"""Issue 16, item 2 in Chromium: an administrator (an IAM user with AdministratorAccess and an MFA device of their
own) opens a user's page from the Users list and uses every action on it, in English and Korean, on a desktop and
on a 390x844 phone. Each action's effect is read back through boto3; the page never scrolls sideways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import Browser, Page, expect

from tests.console.recovery_support import USER_PASSWORD, EnrolledUser, iam_user_with_codes
from tests.console.test_console_browser import browser, watch_csp  # noqa: F401  (the browser fixture)
from tests.console.user_detail_support import ADMIN_ACCESS, ALLOW_ALL, admin_iam, fully_attached_user
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import add_user, put_policy

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "a fresh passphrase for alice"
READ_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
)

REMOVE_FIRST = "Remove everything listed above first, then delete the user"


@dataclass(frozen=True)
class Labels:
    locale: str
    words: dict[str, str]

    def __getitem__(self, english: str) -> str:
        return self.words.get(english, english) if self.locale == "ko-KR" else english


KO = {
    "User name": "사용자 이름",
    "Password": "암호",
    "Sign in": "로그인",
    "MFA code": "MFA 코드",
    "Submit": "제출",
    "Users": "사용자",
    "Create access key": "액세스 키 만들기",
    "Done": "완료",
    "Deactivate": "비활성화",
    "Activate": "활성화",
    "Delete": "삭제",
    "Enable console access": "콘솔 액세스 활성화",
    "Console password": "콘솔 암호",
    "Confirm password": "암호 확인",
    "User must create a new password at next sign-in": "사용자는 다음 로그인 시 새 암호를 생성해야 합니다",
    "Reset password": "암호 재설정",
    "Require a new password at next sign-in": "다음 로그인 시 새 암호 요구",
    "Disable console access": "콘솔 액세스 비활성화",
    "Group": "그룹",
    "Add user to group": "그룹에 사용자 추가",
    "Remove from group": "그룹에서 제거",
    "Managed policy": "관리형 정책",
    "Attach policy": "정책 연결",
    "Detach": "분리",
    "Create inline policy": "인라인 정책 생성",
    "Policy name": "정책 이름",
    "Policy document (JSON)": "정책 문서(JSON)",
    "Save policy": "정책 저장",
    "Edit": "편집",
    "Delete user": "사용자 삭제",
    REMOVE_FIRST: "위에 나열된 항목을 모두 먼저 제거한 다음 사용자 삭제",
    "To confirm, type the user name": "확인하려면 사용자 이름을 입력하세요",
    "Secret access key": "비밀 액세스 키",
    "The user was deleted.": "사용자를 삭제했습니다.",
    "The inline policy was saved.": "인라인 정책을 저장했습니다.",
}
CASES = [
    pytest.param(Labels("en-US", {}), DESKTOP, id="en-desktop"),
    pytest.param(Labels("ko-KR", KO), DESKTOP, id="ko-desktop"),
    pytest.param(Labels("en-US", {}), PHONE, id="en-phone"),
    pytest.param(Labels("ko-KR", KO), PHONE, id="ko-phone"),
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def administrator(server: RunningServer) -> EnrolledUser:
    """`ops`: a console password, an MFA device, and AdministratorAccess."""
    ops = iam_user_with_codes(server, "ops")
    with server.services() as services:
        put_policy(services, services.identity.user(server.account_id, "ops"), "admin", ALLOW_ALL)
    return ops


def sign_in(page: Page, server: RunningServer, user: EnrolledUser, labels: Labels) -> None:
    page.goto(f"{server.url}/signin/iam?account={server.account_id}")
    page.get_by_label(labels["User name"]).fill(user.name)
    page.get_by_label(labels["Password"]).fill(USER_PASSWORD)
    page.get_by_role("button", name=labels["Sign in"]).click()
    page.get_by_label(labels["MFA code"], exact=True).fill(code_at(user.seed, server.now()))
    page.get_by_role("button", name=labels["Submit"]).click()
    expect(page).to_have_url(server.url + "/console")


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"  # type: ignore[index]


def button(page: Page, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


@pytest.mark.parametrize(("labels", "viewport"), CASES)
def test_every_action_of_a_users_page(
    browser: Browser,  # noqa: F811
    server: RunningServer,
    labels: Labels,
    viewport: dict[str, int],
) -> None:
    iam = admin_iam(server)
    ops = administrator(server)
    with server.services() as services:
        alice = add_user(services, server.account_id, "alice")  # an access key and an MFA device
    iam.create_group(GroupName="developers")
    context = browser.new_context(locale=labels.locale, viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    errors = watch_csp(page)
    sign_in(page, server, ops, labels)

    # The Users link (iam:ListUsers), then the user's page from the list.
    page.goto(server.url + "/users")
    page.get_by_role("link", name="alice", exact=True).click()
    expect(page).to_have_url(server.url + "/users/alice")
    expect(page.get_by_role("heading", name="alice", exact=True)).to_be_visible()
    no_sideways_scroll(page)

    # Access keys: created (the secret shown once, and it signs), made inactive, active again, deleted.
    button(page, labels["Create access key"]).click()
    expect(page.get_by_text(labels["Secret access key"], exact=True)).to_be_visible()
    key_id = page.locator("#access-key-id").inner_text()
    secret = page.locator("#secret-access-key").inner_text()
    no_sideways_scroll(page)
    listed = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]}
    assert listed == {alice.key_id: "Active", key_id: "Active"} and len(secret) == 40
    page.get_by_role("link", name=labels["Done"]).click()
    assert secret not in page.content()
    button(page, f"{labels['Deactivate']} {key_id}").click()
    expect(button(page, f"{labels['Activate']} {key_id}")).to_be_visible()
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][1]["Status"] == "Inactive"
    button(page, f"{labels['Activate']} {key_id}").click()
    expect(button(page, f"{labels['Deactivate']} {key_id}")).to_be_visible()
    assert {k["Status"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]} == {"Active"}
    button(page, f"{labels['Delete']} {key_id}").click()
    expect(button(page, f"{labels['Delete']} {key_id}")).to_have_count(0)
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]] == [alice.key_id]

    # Console password: enabled (with a new password required), reset, required again, removed.
    button(page, labels["Enable console access"]).click()
    page.get_by_label(labels["Console password"]).fill(USER_PASSWORD)
    page.get_by_label(labels["Confirm password"]).fill(USER_PASSWORD)
    no_sideways_scroll(page)
    button(page, labels["Enable console access"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True
    button(page, labels["Reset password"]).click()
    page.get_by_label(labels["Console password"]).fill(NEW_PASSWORD)
    page.get_by_label(labels["Confirm password"]).fill(NEW_PASSWORD)
    page.get_by_label(labels["User must create a new password at next sign-in"]).uncheck()
    button(page, labels["Reset password"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    button(page, labels["Require a new password at next sign-in"]).click()
    expect(button(page, labels["Require a new password at next sign-in"])).to_have_count(0)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True
    button(page, labels["Disable console access"]).click()
    expect(button(page, labels["Enable console access"])).to_be_visible()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="alice")

    # Groups: added to, removed from.
    page.get_by_label(labels["Group"], exact=True).select_option("developers")
    button(page, labels["Add user to group"]).click()
    expect(button(page, f"{labels['Remove from group']} developers")).to_be_visible()
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["developers"]
    button(page, f"{labels['Remove from group']} developers").click()
    expect(button(page, labels["Add user to group"])).to_be_visible()
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []

    # Managed policies: attached, detached.
    page.get_by_label(labels["Managed policy"]).select_option(ADMIN_ACCESS)
    button(page, labels["Attach policy"]).click()
    expect(button(page, f"{labels['Detach']} AdministratorAccess")).to_be_visible()
    attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ADMIN_ACCESS]
    button(page, f"{labels['Detach']} AdministratorAccess").click()
    expect(button(page, f"{labels['Detach']} AdministratorAccess")).to_have_count(0)
    assert iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []

    # Inline policy: a malformed document is refused in place (the text stays), a valid one saved, edited, deleted.
    button(page, labels["Create inline policy"]).click()
    page.get_by_label(labels["Policy name"]).fill("read-s3")
    editor = page.get_by_label(labels["Policy document (JSON)"])
    editor.fill('{"Version": "2012-10-17", "Statement": [')
    button(page, labels["Save policy"]).click()
    expect(page.get_by_role("alert")).to_contain_text("MalformedPolicyDocument")
    expect(page.get_by_role("alert")).to_contain_text("Syntax errors in policy.")
    expect(editor).to_have_value('{"Version": "2012-10-17", "Statement": [')
    no_sideways_scroll(page)
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []
    editor.fill(ALLOW_ALL)
    button(page, labels["Save policy"]).click()
    expect(page.get_by_role("status")).to_have_text(labels["The inline policy was saved."])
    assert iam.get_user_policy(UserName="alice", PolicyName="read-s3")["PolicyDocument"] == json.loads(ALLOW_ALL)
    button(page, f"{labels['Edit']} read-s3").click()
    editor.fill(READ_S3)
    button(page, labels["Save policy"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert iam.get_user_policy(UserName="alice", PolicyName="read-s3")["PolicyDocument"] == json.loads(READ_S3)
    button(page, f"{labels['Delete']} read-s3").click()
    expect(button(page, f"{labels['Edit']} read-s3")).to_have_count(0)
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []

    # MFA: the user's lost device, deactivated (the administrator signed in with MFA minutes ago).
    assert alice.serial is not None
    button(page, f"{labels['Deactivate']} {alice.serial}").click()
    expect(button(page, f"{labels['Deactivate']} {alice.serial}")).to_have_count(0)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    no_sideways_scroll(page)

    # Delete user: everything attached is listed, removed first on request, then the user is gone.
    fully_attached_user(iam, "bob")
    page.goto(server.url + "/users/bob")
    button(page, labels["Delete user"]).click()
    expect(page.get_by_text("bob-team")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_label(labels[REMOVE_FIRST]).check()
    page.get_by_label(labels["To confirm, type the user name"]).fill("bob")
    button(page, labels["Delete user"]).click()
    expect(page.get_by_role("status")).to_have_text(labels["The user was deleted."])
    expect(page.get_by_role("link", name="bob", exact=True)).to_have_count(0)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="bob")

    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()
