"""Page handlers called one at a time, as plain functions of the Console and a request (no server, no routing):
real services on the engine under test, a request built by hand."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from starlette.datastructures import FormData
from starlette.requests import Request

from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.console import credentials_pages, session_pages, signin_pages, users_pages
from twostep.console.forms import Form
from twostep.console.pages import Console, Halt
from twostep.identity.models import User
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN

ORIGIN = "http://127.0.0.1:8000"
EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
FORM_TOKEN = "a-form-token"


@pytest.fixture
def console(services: Services) -> Console:
    return Console.create(services)


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account(EMAIL, PASSWORD)[1]


def request(
    path: str, *, method: str = "POST", query: dict[str, str] | None = None, cookies: str = "", language: str = "en"
) -> Request:
    """A same-origin browser request with the pre-session form cookie."""
    headers = {
        "host": "127.0.0.1:8000",
        "origin": ORIGIN,
        "accept-language": language,
        "cookie": "; ".join(c for c in (f"twostep-form={FORM_TOKEN}", cookies) if c),
    }
    return Request(
        {
            "type": "http",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(query or {}).encode(),
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            "server": ("127.0.0.1", 8000),
            "client": ("192.0.2.7", 50000),
        }
    )


def form(**fields: str) -> Form:
    return Form(FormData({"form_token": FORM_TOKEN, **fields}))


def signed_in_cookie(services: Services, root: User) -> tuple[str, str]:
    """The session cookie and CSRF token of an administrator's sign-in: an IAM user with AdministratorAccess and no
    MFA device (one step; the root user would need a device first)."""
    admin = services.identity.create_user(root.account_id, "admin", actor=root, password=PASSWORD)
    services.policies.user_policies.attach(root.account_id, admin.name, ADMINISTRATOR_ACCESS_ARN, actor=root)
    grant = services.signin.password_step(account_id=root.account_id, user_name=admin.name, password=PASSWORD)
    return f"twostep-session={grant.token}", grant.session.csrf_token


def test_the_email_step_asks_for_an_address(console: Console) -> None:
    empty = signin_pages.submit_email(console, request("/signin"), form(email=" "))
    assert empty.status_code == 400 and b"Enter your email address." in empty.body
    korean = signin_pages.submit_email(console, request("/signin", language="ko"), form(email=""))
    assert korean.status_code == 400 and korean.headers["content-language"] == "ko"
    assert "이메일" in bytes(korean.body).decode()
    page = signin_pages.submit_email(console, request("/signin"), form(email="anyone@example.com"))
    assert page.status_code == 200 and b'value="anyone@example.com"' in page.body


def test_the_password_step_reads_one_message_and_records_the_address(
    console: Console, clock: FrozenClock, root: User
) -> None:
    wrong = signin_pages.submit_root_password(console, request("/signin/root"), form(email=EMAIL, password="nope"))
    assert wrong.status_code == 400
    assert b"Your authentication information is incorrect. Please try again." in wrong.body
    clock.advance(60)  # past the delay the failure earned (S11)
    right = signin_pages.submit_root_password(console, request("/signin/root"), form(email=EMAIL, password=PASSWORD))
    assert right.status_code == 303 and right.headers["location"] == "/console"
    assert right.headers["set-cookie"].startswith("twostep-session=")
    with console.services.uow(readonly=True) as uow:
        logins = [e.event for e in uow.audit.events(root.account_id) if e.event.event_name == "ConsoleLogin"]
    assert logins and {e.source_ip for e in logins} == {"192.0.2.7"}


def test_a_form_from_elsewhere_is_refused(console: Console) -> None:
    forged = Form(FormData({"form_token": "another", "email": EMAIL}))
    with pytest.raises(Halt) as halted:
        signin_pages.submit_email(console, request("/signin"), forged)
    assert halted.value.response.status_code == 403


@pytest.mark.parametrize(
    "handler",
    [signin_pages.show_mfa_step, credentials_pages.home, users_pages.show_users, session_pages.show_reauthenticate],
)
def test_pages_without_a_session_send_the_visitor_to_sign_in(console: Console, handler: object) -> None:
    with pytest.raises(Halt) as halted:
        handler(console, request("/", method="GET"))  # type: ignore[operator]
    assert halted.value.response.status_code == 303 and halted.value.response.headers["location"] == "/signin"


def test_a_password_the_policy_rejects_is_worded_in_the_visitors_language(console: Console, root: User) -> None:
    cookie, csrf = signed_in_cookie(console.services, root)
    for language, expected in (
        ("en", "Password should have at least 8 characters."),
        ("ko", "암호는 8자 이상이어야 합니다."),
    ):
        page = users_pages.create_user(
            console,
            request("/users", cookies=cookie, language=language),
            Form(FormData({"csrf_token": csrf, "name": "alice", "password": "short"})),
        )
        assert page.status_code == 400 and expected in bytes(page.body).decode()
    assert "alice" not in [u.name for u in console.services.identity.users(root.account_id)]
