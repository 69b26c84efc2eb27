"""Change password (issue 16, item 1) over HTTP against the real server: the console's page, the forced change after
CreateLoginProfile(PasswordResetRequired=True), and IAM's ChangePassword through boto3, with the one guarded
password check behind all three (S11, S35) and the other sessions ended (S18)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.awsapi.iam_support import enable_new_device, error_of, iam_client, key_of
from tests.console.console_client import ConsoleClient, console_client
from tests.console.recovery_support import sweep
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server, twostep
from twostep.notify.messages import compose, is_notifying

PAGE = "/security-credentials/password"
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("passwords")) as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


@pytest.fixture
def client(server: RunningServer) -> Iterator[ConsoleClient]:
    with console_client(server) as browser:
        yield browser


def new_user(iam: Any, name: str, *, reset_required: bool = False, self_service: bool = True) -> None:
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=FIRST, PasswordResetRequired=reset_required)
    if self_service:
        iam.put_user_policy(UserName=name, PolicyName="change-own-password", PolicyDocument=SELF_SERVICE)


def change(browser: ConsoleClient, current: str, new: str, confirm: str | None = None) -> Any:
    page = browser.get(PAGE)
    assert page.status_code == 200, page.headers.get("location")
    data = {"current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm}
    return browser.post(PAGE, data)


def signed_in(browser: ConsoleClient) -> bool:
    return browser.get("/security-credentials").status_code == 200


def events(server: RunningServer, name: str) -> list[Any]:
    with server.services() as services, services.uow(readonly=True) as uow:
        return [e for e in uow.audit.events(server.account_id) if e.event.event_name == name]


def test_the_page_shows_the_policy_and_refuses_bad_input_without_counting(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "page-user")
    assert client.sign_in_iam("page-user", FIRST).headers["location"] == "/console"
    credentials = client.get("/security-credentials")
    assert f'href="{PAGE}"' in credentials.text and "Change password" in credentials.text
    page = client.get(PAGE)
    assert "From 8 to 128 characters" in page.text and "Not a commonly used password" in page.text
    assert 'autocomplete="current-password"' in page.text and 'autocomplete="new-password"' in page.text

    mismatch = change(client, FIRST, SECOND, confirm=SECOND + "!")
    assert mismatch.status_code == 400 and "The new passwords do not match" in mismatch.text
    weak = change(client, FIRST, "password1")
    assert weak.status_code == 400 and "Password is too common" in weak.text
    short = change(client, FIRST, "short")
    assert short.status_code == 400 and "at least 8 characters" in short.text
    same = change(client, FIRST, FIRST)
    assert same.status_code == 400 and "must be different from the current password" in same.text
    # None of these looked at the current password: nothing was counted, nothing changed.
    with server.services() as services, services.uow(readonly=True) as uow:
        user = uow.users.by_name(server.account_id, "page-user")
        assert user is not None and uow.users.password_throttle(user.id)[0] == 0
    assert not events(server, "ChangePassword")
    with console_client(server) as other:
        assert other.sign_in_iam("page-user", FIRST).headers["location"] == "/console"


def test_a_change_ends_the_other_sessions_and_the_new_password_signs_in(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "carol")
    with console_client(server) as other:
        assert other.sign_in_iam("carol", FIRST).headers["location"] == "/console"
        client.sign_in_iam("carol", FIRST)
        before = client.http.cookies.get("twostep-session")
        done = change(client, FIRST, SECOND)
        assert done.status_code == 303 and done.headers["location"] == "/security-credentials?notice=password-updated"
        assert client.http.cookies.get("twostep-session") != before  # the session continues under a new id
        assert "Your password was changed" in client.follow(done).text
        assert signed_in(client)
        assert not signed_in(other)  # S18: every other session ended
    client.sign_out()
    assert client.sign_in_iam("carol", FIRST).status_code == 400
    server.move_clock(5)  # the failure's delay (S11)
    assert client.sign_in_iam("carol", SECOND).headers["location"] == "/console"

    changed = events(server, "ChangePassword")
    assert [e.event.error_code for e in changed] == [None]
    event = changed[0]
    assert event.event.actor.endswith(":user/carol") and is_notifying(event.event)
    mail = compose(event, "root@example.com")
    assert mail.subject == "twostep: Password changed for IAM user carol"
    assert FIRST not in mail.body and SECOND not in mail.body


def test_a_wrong_current_password_is_counted_and_throttled_like_sign_in(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "dave")
    client.sign_in_iam("dave", FIRST)
    wrong = change(client, "not the password", SECOND)
    assert wrong.status_code == 400 and "The current password is not correct" in wrong.text
    # The failure started the password's delay (S11): the right password at once is refused, unevaluated...
    throttled = change(client, FIRST, SECOND)
    assert throttled.status_code == 400 and "The current password is not correct" in throttled.text
    with console_client(server) as other:  # ... and so is a sign-in: one counter for both
        assert other.sign_in_iam("dave", FIRST).status_code == 400
    server.move_clock(5)
    assert change(client, FIRST, SECOND).status_code == 303
    failed = [e for e in events(server, "ChangePassword") if e.event.error_code]
    assert [e.event.actor.rsplit("/", 1)[-1] for e in failed] == ["dave", "dave"]  # the wrong and the throttled


def test_an_iam_user_without_permission_is_refused_until_the_account_allows_it(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "erin", self_service=False)
    client.sign_in_iam("erin", FIRST)
    credentials = client.get("/security-credentials")
    assert f'href="{PAGE}"' not in credentials.text
    assert "Your policies do not allow you to change your password" in credentials.text
    refused = client.get(PAGE)
    assert refused.status_code == 403
    erin = iam_client(server, key_of(iam.create_access_key(UserName="erin")))
    with pytest.raises(erin.exceptions.ClientError) as denied:
        erin.change_password(OldPassword=FIRST, NewPassword=SECOND)
    assert error_of(denied.value)[:2] == (403, "AccessDenied")

    allow = ("account", "set", "--data-dir", str(server.data_dir), "--account-id", server.account_id)
    result = twostep(*allow, "--allow-users-to-change-password", "on", env=server.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["allow_users_to_change_password"] is True
    assert client.get(PAGE).status_code == 200
    erin.change_password(OldPassword=FIRST, NewPassword=SECOND)
    # An explicit Deny still refuses, whatever the account allows.
    deny = json.loads(SELF_SERVICE)
    deny["Statement"][0]["Effect"] = "Deny"
    iam.put_user_policy(UserName="erin", PolicyName="no-changes", PolicyDocument=json.dumps(deny))
    with pytest.raises(erin.exceptions.ClientError) as denied_again:
        erin.change_password(OldPassword=SECOND, NewPassword=THIRD)
    assert error_of(denied_again.value)[:2] == (403, "AccessDenied")
    result = twostep(*allow, "--allow-users-to-change-password", "off", env=server.env)
    assert result.returncode == 0 and json.loads(result.stdout)["allow_users_to_change_password"] is False


def test_password_reset_required_reaches_only_the_change_page(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "frank", reset_required=True, self_service=False)
    assert iam.get_login_profile(UserName="frank")["LoginProfile"]["PasswordResetRequired"] is True
    assert client.sign_in_iam("frank", FIRST).headers["location"] == "/console"
    # Every console route but the page, re-authentication and signing out, by GET and by POST, leads to the page.
    reach = {PAGE, "/reauthenticate", "/reauthenticate/passkey/options", "/signout-everywhere"}
    checked = sweep(client, server, reach, PAGE, "MFADNOSUCHDEVICE")
    assert {"/console", "/security-credentials", "/users", "/security-credentials/mfa/assign"} <= checked
    page = client.get(PAGE)
    assert page.status_code == 200 and "requires you to choose a new password" in page.text
    assert 'href="/security-credentials"' not in page.text  # no way around it but signing out
    done = change(client, FIRST, SECOND)
    assert done.headers["location"] == "/console?notice=password-updated"
    assert client.follow(done).status_code == 200
    assert iam.get_login_profile(UserName="frank")["LoginProfile"]["PasswordResetRequired"] is False
    # Once changed, the page is the user's like anyone's: without a policy allowing it, no longer open.
    assert client.get(PAGE).status_code == 403


def test_the_forced_change_comes_after_mfa_and_logout_still_works(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "grace", self_service=False)
    _, seed = enable_new_device(iam, server, "grace", "grace-phone")
    iam.update_login_profile(UserName="grace", PasswordResetRequired=True)
    assert client.sign_in_iam("grace", FIRST).headers["location"] == "/signin/mfa"
    assert client.get(PAGE).headers["location"] == "/signin"  # the half-signed-in session reaches nothing (S14)
    server.move_clock(30)  # a code the device enabling did not spend
    assert client.submit_mfa(code_at(seed, server.now())).headers["location"] == "/console"
    assert client.get("/console").headers["location"] == PAGE
    client.get(PAGE)
    signed_out = client.post("/signout", {})
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/signin/iam")
    assert client.get(PAGE).headers["location"] == "/signin"


def test_change_password_over_the_api_then_the_console_signs_in_with_it(
    server: RunningServer, iam: Any, client: ConsoleClient
) -> None:
    new_user(iam, "heidi")
    heidi = iam_client(server, key_of(iam.create_access_key(UserName="heidi")))
    client.sign_in_iam("heidi", FIRST)
    assert signed_in(client)

    with pytest.raises(heidi.exceptions.PasswordPolicyViolationException) as weak:
        heidi.change_password(OldPassword=FIRST, NewPassword="password1")
    assert error_of(weak.value)[:2] == (400, "PasswordPolicyViolation")
    with pytest.raises(heidi.exceptions.ClientError) as wrong:
        heidi.change_password(OldPassword="not the password", NewPassword=SECOND)
    assert error_of(wrong.value)[:2] == (403, "AccessDenied")
    with pytest.raises(heidi.exceptions.ClientError) as throttled:  # the right one at once: the delay (S11)
        heidi.change_password(OldPassword=FIRST, NewPassword=SECOND)
    assert error_of(throttled.value)[:2] == (403, "AccessDenied")
    assert signed_in(client)  # nothing changed yet
    server.move_clock(5)
    heidi.change_password(OldPassword=FIRST, NewPassword=SECOND)

    assert not signed_in(client)  # the console session ended with the old password (S18)
    assert client.sign_in_iam("heidi", FIRST).status_code == 400
    server.move_clock(5)  # the failure's delay (S11)
    assert client.sign_in_iam("heidi", SECOND).headers["location"] == "/console"
    outcomes = [e.event.error_code is None for e in events(server, "ChangePassword") if "heidi" in e.event.actor]
    assert outcomes == [False, False, True]  # the wrong one, the throttled one, the change


def test_the_root_user_cannot_call_change_password(server: RunningServer) -> None:
    with server.services() as services, services.uow(readonly=True) as uow:
        root = uow.users.root_of(server.account_id)
    with server.services() as services:
        new = services.identity.create_access_key(root, actor=root)
    root_iam = iam_client(server, {"access_key_id": new.key.id, "secret_access_key": new.secret_access_key})
    with pytest.raises(root_iam.exceptions.InvalidUserTypeException) as refused:
        root_iam.change_password(OldPassword=server.root_password, NewPassword=SECOND)
    assert error_of(refused.value)[:2] == (400, "InvalidUserType")


def test_a_user_with_a_reset_required_may_call_change_password(server: RunningServer, iam: Any) -> None:
    new_user(iam, "ivan", reset_required=True, self_service=False)
    ivan = iam_client(server, key_of(iam.create_access_key(UserName="ivan")))
    ivan.change_password(OldPassword=FIRST, NewPassword=SECOND)
    assert iam.get_login_profile(UserName="ivan")["LoginProfile"]["PasswordResetRequired"] is False
    with pytest.raises(ivan.exceptions.ClientError) as now_denied:  # the required change was the only one allowed
        ivan.change_password(OldPassword=SECOND, NewPassword=THIRD)
    assert error_of(now_denied.value)[:2] == (403, "AccessDenied")


def test_the_root_user_changes_the_generated_password_once_mfa_is_assigned(tmp_path: Path) -> None:
    """make serve's advice: the root user's first sign-in opens at the wizard; then the page changes the password."""
    with running_server(tmp_path) as server, console_client(server) as root:
        assert root.sign_in_root().headers["location"] == "/console"
        assert root.get(PAGE).headers["location"] == "/security-credentials/mfa/assign"  # required MFA first
        enrolled = root.enrol("root-phone")
        done = change(root, server.root_password, SECOND)
        assert done.headers["location"] == "/security-credentials?notice=password-updated"
        root.sign_out()
        assert root.sign_in_root().status_code == 400
        server.move_clock(35)  # the failure's delay, and a code the enrolment did not spend
        assert root.sign_in_root(password=SECOND).headers["location"] == "/signin/mfa"
        assert root.submit_mfa(root.current_code(enrolled.secret)).headers["location"] == "/console"


def test_a_user_created_in_the_console_with_a_required_reset_changes_it_first(
    server: RunningServer, client: ConsoleClient
) -> None:
    client.sign_in_root()
    client.enrol("root-phone")
    users = client.get("/users")
    assert 'name="password_reset_required"' in users.text
    created = client.post("/users", {"name": "judy", "password": FIRST, "password_reset_required": "on"})
    assert created.status_code == 303, created.text
    client.sign_out()
    assert client.sign_in_iam("judy", FIRST).headers["location"] == "/console"
    assert client.get("/console").headers["location"] == PAGE
    assert change(client, FIRST, SECOND).headers["location"] == "/console?notice=password-updated"
    assert client.get("/console").status_code == 200


def test_with_mfa_a_stale_code_is_confirmed_again_first(server: RunningServer, iam: Any, client: ConsoleClient) -> None:
    """S17: the form proves the password; a user with MFA must also have proved a code within 5 minutes."""
    new_user(iam, "kim")
    _, seed = enable_new_device(iam, server, "kim", "kim-phone")
    client.sign_in_iam("kim", FIRST)
    server.move_clock(30)
    client.submit_mfa(code_at(seed, server.now()))
    assert client.get(PAGE).status_code == 200
    server.move_clock(6 * 60)
    stale = client.get(PAGE)
    assert stale.status_code == 303 and stale.headers["location"] == f"/reauthenticate?next={PAGE}"
    with console_client(server) as plain:  # without MFA the form's own password is proof enough
        new_user(iam, "lee")
        plain.sign_in_iam("lee", FIRST)
        server.move_clock(6 * 60)
        assert plain.get(PAGE).status_code == 200
