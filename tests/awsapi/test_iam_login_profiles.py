"""Login profiles over IAM, and one state with the console: a user created by the API signs in with its password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.awsapi.iam_support import enable_new_device, error_of, iam_client, module_server
from tests.server_harness import RunningServer

PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-login") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def console_sign_in(server: RunningServer, user_name: str, password: str) -> httpx.Response:
    """The console's IAM-user sign-in form, as a browser posts it (form token and Origin)."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as browser:
        page = browser.get("/signin/iam")
        assert page.status_code == 200
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token is not None
        return browser.post(
            "/signin/iam",
            data={
                "form_token": token.group(1),
                "account_id": server.account_id,
                "user_name": user_name,
                "password": password,
            },
            headers={"Origin": server.url},
        )


def test_create_get_update_delete(iam: Any) -> None:
    iam.create_user(UserName="quinn")
    created = iam.create_login_profile(UserName="quinn", Password=PASSWORD, PasswordResetRequired=True)
    assert created["LoginProfile"]["UserName"] == "quinn"
    assert created["LoginProfile"]["PasswordResetRequired"] is True
    fetched = iam.get_login_profile(UserName="quinn")["LoginProfile"]
    assert fetched["PasswordResetRequired"] is True
    iam.update_login_profile(UserName="quinn", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="quinn")["LoginProfile"]["PasswordResetRequired"] is False
    iam.update_login_profile(UserName="quinn", Password="another long passphrase")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_login_profile(UserName="quinn", Password=PASSWORD)
    iam.delete_login_profile(UserName="quinn")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_login_profile(UserName="quinn")
    assert error_of(missing.value) == (404, "NoSuchEntity", "Login Profile for User quinn cannot be found.")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_login_profile(UserName="quinn")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.update_login_profile(UserName="quinn", Password=PASSWORD)


@pytest.mark.parametrize("password", ["short", "Password1"])
def test_password_policy_violations(iam: Any, password: str) -> None:
    name = f"rita-{password.lower()}"
    iam.create_user(UserName=name)
    with pytest.raises(iam.exceptions.PasswordPolicyViolationException) as refused:
        iam.create_login_profile(UserName=name, Password=password)
    assert error_of(refused.value)[:2] == (400, "PasswordPolicyViolation")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName=name)


def test_unknown_user(iam: Any) -> None:
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.create_login_profile(UserName="nobody", Password=PASSWORD)


def test_a_user_created_by_the_api_signs_in_to_the_console(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="sam")
    iam.create_login_profile(UserName="sam", Password=PASSWORD)
    signed_in = console_sign_in(server, "sam", PASSWORD)
    assert signed_in.status_code in (302, 303)
    assert signed_in.headers["location"].endswith("/console")
    wrong = console_sign_in(server, "sam", "not the password at all")
    assert wrong.status_code == 400


def test_a_device_enabled_by_the_api_is_asked_for_at_console_sign_in(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="tess")
    iam.create_login_profile(UserName="tess", Password=PASSWORD)
    enable_new_device(iam, server, "tess", "tess-phone")
    signed_in = console_sign_in(server, "tess", PASSWORD)
    assert signed_in.status_code in (302, 303)
    assert signed_in.headers["location"].endswith("/signin/mfa")
