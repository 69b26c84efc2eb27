"""The console over HTTP against the real server (`twostep init` + `twostep serve`), with httpx as the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.console.console_client import ConsoleClient, console_client, devices_in_account
from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server

MFA_REFUSED = "The MFA code is not valid"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def browser(server: RunningServer) -> Iterator[ConsoleClient]:
    with console_client(server) as client:
        yield client


def device_ids(page: str) -> list[str]:
    return re.findall(r"/security-credentials/mfa/(MFAD[A-Z0-9]+)/remove", page)


def test_root_assigns_a_device_and_then_signing_in_needs_its_code(
    server: RunningServer, browser: ConsoleClient
) -> None:
    start = browser.get("/")
    assert start.status_code == 303 and start.headers["location"] == "/signin"

    signed_in = browser.sign_in_root()
    assert signed_in.headers["location"] == "/console"
    # The root user must have MFA: without a device, every page leads to the wizard (issue 14).
    for path in ("/console", "/security-credentials", "/users"):
        page = browser.get(path)
        assert page.status_code == 303 and page.headers["location"] == "/security-credentials/mfa/assign", path

    # The wizard: name and type, then the QR code and the secret key, then two consecutive codes.
    secret = browser.start_assign("root-phone")
    setup = browser.page
    assert "<svg" in setup and "Show QR code" in setup and "Show secret key" in setup
    for app in ("Google Authenticator", "Microsoft Authenticator", "Duo Mobile", "Authy", "1Password"):
        assert app in setup
    assert f"root-phone@{server.account_id}" in setup

    now = server.now()
    wrong = browser.post(
        "/security-credentials/mfa/assign/setup", {"code1": code_at(secret, now), "code2": code_at(secret, now)}
    )
    assert wrong.status_code == 400
    assert "The MFA codes are not valid" in wrong.text
    assert secret in wrong.text  # the user retries on the same device
    code1, code2 = code_at(secret, now - 30), code_at(secret, now)
    done = browser.post("/security-credentials/mfa/assign/setup", {"code1": code1, "code2": code2})
    assert done.status_code == 200 and "Save your recovery codes" in done.text  # the first device's codes
    assert secret not in done.text
    page = browser.get("/security-credentials")
    assert "Your root user has no MFA device" not in page.text
    assert f"arn:aws:iam::{server.account_id}:mfa/root-phone" in page.text
    assert "Virtual MFA device" in page.text
    assert secret not in page.text
    # After Add MFA the seed is never shown again (S21).
    again = browser.get("/security-credentials/mfa/assign/setup")
    assert again.status_code == 303 and secret not in again.text

    browser.sign_out()
    assert browser.get("/security-credentials").headers["location"] == "/signin"

    # Signing in again stops at the MFA page; the half-signed-in session reaches nothing else (S14).
    half = browser.sign_in_root()
    assert half.headers["location"] == "/signin/mfa"
    for path in ("/security-credentials", "/console", "/users", "/security-credentials/mfa/assign"):
        blocked = browser.get(path)
        assert blocked.status_code == 303 and blocked.headers["location"] == "/signin", path
    prompt = browser.get("/signin/mfa")
    assert "Multi-factor authentication" in prompt.text and 'for="code">MFA code<' in prompt.text

    # The two enrolment codes are spent (S3), a wrong code gives a message and another try.
    for spent in (code1, code2):
        refused = browser.submit_mfa(spent)
        # Past the password step a spent code says so (issue 16); code 1 may have left the window meanwhile.
        assert refused.status_code == 400
        assert "That code was already used" in refused.text or MFA_REFUSED in refused.text
    assert "That code was already used; wait for the next one." in refused.text  # code 2 is still in the window
    wrong_code = "000000" if code_at(secret, server.now()) != "000000" else "111111"
    refused = browser.submit_mfa(wrong_code)
    assert refused.status_code == 400 and MFA_REFUSED in refused.text

    server.move_clock(30)
    used = browser.current_code(secret)
    accepted = browser.submit_mfa(used)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/console"
    assert browser.get("/security-credentials").status_code == 200

    # A sign-in code is accepted once.
    browser.sign_out()
    browser.sign_in_root()
    replayed = browser.submit_mfa(used)
    assert replayed.status_code == 400 and "That code was already used; wait for the next one." in replayed.text
    server.move_clock(30)
    assert browser.submit_mfa(browser.current_code(secret)).headers["location"] == "/console"


def test_session_id_rotates_after_each_step(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol()
    browser.sign_out()
    half = browser.sign_in_root()
    first = half.cookies["twostep-session"]
    server.move_clock(30)
    done = browser.submit_mfa(browser.current_code(enrolled.secret))
    second = done.cookies["twostep-session"]
    assert first != second
    # The half-signed-in token is dead, the new one works.
    with httpx.Client(base_url=server.url, cookies={"twostep-session": first}) as old:
        assert old.get("/signin/mfa").headers["location"] == "/signin"
        assert old.get("/security-credentials").headers["location"] == "/signin"
    assert browser.get("/security-credentials").status_code == 200


def test_cookies_and_security_headers(server: RunningServer, browser: ConsoleClient) -> None:
    signin = browser.get("/signin")
    headers = signin.headers
    assert headers["content-security-policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in headers  # plain http
    assert "<script>" not in signin.text and " style=" not in signin.text
    done = browser.sign_in_root()
    cookie = done.headers["set-cookie"].lower()
    assert cookie.startswith("twostep-session=")  # no __Host- prefix nor Secure on plain-http loopback
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "secure" not in cookie


def test_https_requests_get_host_prefixed_secure_cookies_and_hsts(tmp_path: Path) -> None:
    """Behind a TLS proxy the operator named (--trusted-proxy), X-Forwarded-Proto: https is believed."""
    with running_server(tmp_path, extra_env={"TWOSTEP_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        https_origin = server.url.replace("http://", "https://")
        assert_secure_cookies(server, https_origin)


def test_forwarded_proto_from_an_unnamed_proxy_is_ignored(server: RunningServer) -> None:
    """By default no proxy is trusted: a client claiming HTTPS gets plain cookies and no HSTS."""
    with httpx.Client(base_url=server.url, headers={"X-Forwarded-Proto": "https"}) as client:
        page = client.get("/signin")
    assert "strict-transport-security" not in page.headers
    assert not page.headers["set-cookie"].startswith("__Host-") and "Secure" not in page.headers["set-cookie"]


def assert_secure_cookies(server: RunningServer, https_origin: str) -> None:
    with httpx.Client(
        base_url=server.url, headers={"X-Forwarded-Proto": "https", "Origin": https_origin}, follow_redirects=False
    ) as client:
        page = client.get("/signin")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        form_cookie = page.headers["set-cookie"]
        assert form_cookie.startswith("__Host-twostep-form=") and "Secure" in form_cookie
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token
        client.cookies.set("__Host-twostep-form", page.cookies["__Host-twostep-form"])
        done = client.post(
            "/signin/root",
            data={"form_token": token.group(1), "email": server.root_email, "password": server.root_password},
        )
        assert done.status_code == 303
        cookie = done.headers["set-cookie"]
        assert cookie.startswith("__Host-twostep-session=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie


def test_forms_without_csrf_token_or_origin_are_refused_and_change_nothing(
    server: RunningServer, browser: ConsoleClient
) -> None:
    browser.get("/signin")
    no_token = browser.post(
        "/signin/root", {"email": server.root_email, "password": server.root_password}, with_tokens=False
    )
    assert no_token.status_code == 403 and "twostep-session" not in no_token.headers.get("set-cookie", "")

    browser.sign_in_root()
    browser.get("/security-credentials/mfa/assign")
    form = {"name": "evil", "device_type": "authenticator-app"}
    missing = browser.post("/security-credentials/mfa/assign", form, with_tokens=False)
    assert missing.status_code == 403
    forged = browser.post("/security-credentials/mfa/assign", {**form, "csrf_token": "x" * 43}, with_tokens=False)
    assert forged.status_code == 403
    browser.http.headers["Origin"] = "https://evil.example"
    cross_site = browser.post("/security-credentials/mfa/assign", form)
    assert cross_site.status_code == 403
    del browser.http.headers["Origin"]
    no_origin = browser.post("/security-credentials/mfa/assign", form)
    assert no_origin.status_code == 403
    browser.http.headers["Referer"] = f"{server.url}/security-credentials/mfa/assign"
    browser.get("/security-credentials/mfa/assign")
    referer_only = browser.post("/security-credentials/mfa/assign", {**form, "name": "fine"})
    assert referer_only.status_code == 303  # Referer from our own origin stands in for a missing Origin
    names = [d.name for d in devices_in_account(server)]
    assert names == ["fine"]
    browser.enrol("real")  # the root user reaches Users only with MFA
    assert browser.get("/users").status_code == 200
    browser.http.headers["Origin"] = server.url
    assert (
        browser.post("/users", {"name": "bob", "password": "a long password 1"}, with_tokens=False).status_code == 403
    )
    with server.services() as services:
        assert "bob" not in [u.name for u in services.identity.users(server.account_id)]


def test_get_requests_change_nothing(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    browser.start_assign("pending")
    for path in ("/signout", "/signout-everywhere", "/security-credentials/mfa/assign/cancel", "/language"):
        assert browser.get(path).status_code == 405
    assert [d.name for d in devices_in_account(server)] == ["pending"]
    assert browser.get("/security-credentials/mfa/assign").status_code == 200


def test_cancel_new_wizard_and_sign_out_leave_no_device(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    browser.start_assign("first")
    assert [d.name for d in devices_in_account(server)] == ["first"]
    cancelled = browser.post("/security-credentials/mfa/assign/cancel", {})
    assert cancelled.headers["location"] == "/security-credentials"
    assert devices_in_account(server) == []

    browser.start_assign("second")
    browser.start_assign("third")  # starting again discards the unfinished one
    assert [d.name for d in devices_in_account(server)] == ["third"]
    browser.sign_out()
    assert devices_in_account(server) == []


def test_device_name_is_validated_with_the_service_message(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    browser.get("/security-credentials/mfa/assign")
    bad = browser.post("/security-credentials/mfa/assign", {"name": "my phone!", "device_type": "authenticator-app"})
    assert bad.status_code == 400
    assert "Device names use 1 to 226 letters, digits and + = , . @ _ - characters." in bad.text
    no_type = browser.post("/security-credentials/mfa/assign", {"name": "phone"})
    assert no_type.status_code == 400 and "Choose a device type." in no_type.text
    assert devices_in_account(server) == []


def test_unknown_user_and_wrong_password_look_the_same(server: RunningServer, browser: ConsoleClient) -> None:
    unknown = browser.sign_in_root(email="nobody@example.com", password="whatever password")
    wrong = browser.sign_in_root(password="not the password")
    assert unknown.status_code == wrong.status_code == 400
    message = "Your authentication information is incorrect. Please try again."
    assert message in unknown.text and message in wrong.text
    assert unknown.text.replace("nobody@example.com", server.root_email) == wrong.text
    server.move_clock(5)  # past the delay the failure earned
    assert browser.sign_in_root().headers["location"] == "/console"


def test_iam_user_created_by_root_signs_in_and_enrols(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    browser.enrol("root-phone")
    users = browser.get("/users")
    assert f"/signin/iam?account={server.account_id}" in users.text
    weak = browser.post("/users", {"name": "alice", "password": "short"})
    assert weak.status_code == 400 and "Password should have at least 8 characters." in weak.text
    created = browser.post("/users", {"name": "alice", "password": "alice's long password"})
    assert created.headers["location"] == "/users?notice=user-created"
    listing = browser.follow(created)
    assert f"arn:aws:iam::{server.account_id}:user/alice" in listing.text
    browser.sign_out()

    with console_client(server) as alice:
        assert alice.sign_in_iam("alice", "alice's long password").headers["location"] == "/console"
        assert "You have no MFA device" in alice.get("/security-credentials").text
        assert alice.get("/users").status_code == 403  # no policy allows it
        enrolled = alice.enrol("alice-phone")
        assert f"arn:aws:iam::{server.account_id}:mfa/alice-phone" in alice.page
        signed_out = alice.sign_out()
        assert signed_out.headers["location"] == f"/signin/iam?account={server.account_id}&notice=signed-out"
        assert alice.sign_in_iam("alice", "alice's long password").headers["location"] == "/signin/mfa"
        assert alice.submit_mfa(enrolled.code2).status_code == 400
        server.move_clock(30)
        assert alice.submit_mfa(alice.current_code(enrolled.secret)).headers["location"] == "/console"


def test_korean_from_accept_language_and_the_switcher(server: RunningServer) -> None:
    with console_client(server, language="ko-KR,ko;q=0.9,en;q=0.5") as korean:
        page = korean.get("/signin")
        assert '<html lang="ko">' in page.text and "이메일 주소" in page.text
        korean.sign_in_root()
        korean.enrol("ko-first")
        credentials = korean.get("/security-credentials")
        assert "보안 자격 증명" in credentials.text and "MFA 디바이스 할당" in credentials.text
        secret = korean.start_assign("ko-phone")
        setup = korean.page
        for label in ("인증 관리자 앱", "QR 코드 표시", "보안 키 표시", "MFA 코드 1", "MFA 코드 2", "MFA 추가"):
            assert label in setup, label
        assert secret
        switched = korean.post("/language", {"language": "en", "next": "/security-credentials"})
        assert switched.headers["location"] == "/security-credentials"
        english = korean.get("/security-credentials")
        assert '<html lang="en">' in english.text and "Security credentials" in english.text
        korean.post("/language", {"language": "ko", "next": "/"})
        assert "보안 자격 증명" in korean.get("/security-credentials").text
        bogus = korean.post("/language", {"language": "xx", "next": "https://evil.example/"})
        assert bogus.headers["location"] == "/"


def test_step_one_of_the_wizard_in_korean(server: RunningServer) -> None:
    with console_client(server, language="ko") as korean:
        korean.sign_in_root()
        page = korean.get("/security-credentials/mfa/assign")
        assert "디바이스 이름" in page.text and "인증 관리자 앱" in page.text
        bad = korean.post("/security-credentials/mfa/assign", {"name": "a b", "device_type": "authenticator-app"})
        assert "디바이스 이름은 1~226자의" in bad.text


def test_resync_and_remove(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol("phone")
    [device_id] = device_ids(browser.page)

    server.move_clock(60)  # resync needs two unspent steps: the enrolment spent the current and previous one
    resync_page = browser.get(f"/security-credentials/mfa/{device_id}/resync")
    assert resync_page.status_code == 200 and "MFA code 1" in resync_page.text
    now = server.now()
    bad = browser.post(
        f"/security-credentials/mfa/{device_id}/resync", {"code1": "123456", "code2": code_at(enrolled.secret, now)}
    )
    assert bad.status_code == 400
    resynced = browser.post(
        f"/security-credentials/mfa/{device_id}/resync",
        {"code1": code_at(enrolled.secret, now - 30), "code2": code_at(enrolled.secret, now)},
    )
    assert resynced.headers["location"] == "/security-credentials?notice=resynced"

    server.move_clock(30)
    browser.get(f"/security-credentials/mfa/{device_id}/remove")
    wrong = browser.post(f"/security-credentials/mfa/{device_id}/remove", {"code": "12345x"})
    assert wrong.status_code == 400 and "The MFA code is not valid" in wrong.text
    assert len(devices_in_account(server)) == 1
    removed = browser.post(
        f"/security-credentials/mfa/{device_id}/remove", {"code": browser.current_code(enrolled.secret)}
    )
    assert removed.headers["location"] == "/security-credentials?notice=removed"
    # Without a device the root user is sent back to the wizard (issue 14).
    assert browser.follow(removed).headers["location"] == "/security-credentials/mfa/assign"
    assert devices_in_account(server) == []
    browser.sign_out()
    assert browser.sign_in_root().headers["location"] == "/console"  # no MFA step any more


def test_several_devices_offer_a_picker(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    first = browser.enrol("first")
    server.move_clock(30)
    second = browser.enrol("second")
    browser.sign_out()
    browser.sign_in_root()
    prompt = browser.get("/signin/mfa")
    assert "<legend>MFA device</legend>" in prompt.text
    second_id = re.search(r'value="(MFAD[A-Z0-9]+)"[^>]*>\s*<label for="device-\d">second<', prompt.text)
    assert second_id
    server.move_clock(30)
    # The first device's code does not sign in as the second device.
    assert browser.submit_mfa(browser.current_code(first.secret), second_id.group(1)).status_code == 400
    done = browser.submit_mfa(browser.current_code(second.secret), second_id.group(1))
    assert done.headers["location"] == "/console"


def test_changes_to_mfa_need_a_recent_sign_in(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    enrolled = browser.enrol("phone")
    server.move_clock(6 * 60)  # past the 5-minute window (S17), inside the 30-minute idle timeout
    assert browser.get("/security-credentials").status_code == 200
    stale = browser.get("/security-credentials/mfa/assign")
    assert stale.headers["location"] == "/reauthenticate?next=/security-credentials/mfa/assign"
    page = browser.follow(stale)
    assert 'for="password">Password<' in page.text and 'for="code">MFA code<' in page.text
    action = "/reauthenticate?next=/security-credentials/mfa/assign"
    no_code = browser.post(action, {"password": server.root_password, "code": ""})
    assert no_code.status_code == 400
    confirmed = browser.post(action, {"password": server.root_password, "code": browser.current_code(enrolled.secret)})
    assert confirmed.headers["location"] == "/security-credentials/mfa/assign"
    assert browser.get("/security-credentials/mfa/assign").status_code == 200


def test_sign_out_everywhere_ends_other_sessions(server: RunningServer, browser: ConsoleClient) -> None:
    browser.sign_in_root()
    with console_client(server) as other:
        other.sign_in_root()
        assert other.get("/security-credentials/mfa/assign").status_code == 200
        browser.get("/security-credentials/mfa/assign")
        ended = browser.post("/signout-everywhere", {})
        assert ended.headers["location"] == "/signin?notice=signed-out-everywhere"
        # The other session's holder is told why, once (issue 16); this one signed out and was told already.
        assert other.get("/security-credentials").headers["location"] == "/signin?notice=signed-out-everywhere"
        assert other.get("/security-credentials").headers["location"] == "/signin"
    assert browser.get("/security-credentials").headers["location"] == "/signin"


def test_mfa_lockout_sends_back_to_the_password_and_resync_unlocks(tmp_path: Path) -> None:
    with (
        running_server(tmp_path, extra_env={"TWOSTEP_MFA_MAX_FAILURES": "3"}) as server,
        console_client(server) as browser,
    ):
        browser.sign_in_root()
        enrolled = browser.enrol()
        browser.sign_out()
        browser.sign_in_root()
        server.move_clock(30)
        wrong = "000000" if browser.current_code(enrolled.secret) != "000000" else "111111"
        for _ in range(2):
            assert browser.submit_mfa(wrong).status_code == 400
        ended = browser.submit_mfa(wrong)
        assert ended.headers["location"] == "/signin?notice=mfa-ended"
        assert browser.get("/signin/mfa").headers["location"] == "/signin"

        # Locked: even the right code ends the sign-in, until two consecutive codes resync the device.
        browser.sign_in_root()
        locked = browser.submit_mfa(browser.current_code(enrolled.secret))
        assert locked.headers["location"] == "/signin?notice=mfa-ended"
        assert browser.sign_in_root().headers["location"] == "/signin/mfa"
        browser.get("/signin/mfa/resync")
        server.move_clock(30)  # the previous step is the enrolment's: spent
        now = server.now()
        resynced = browser.post(
            "/signin/mfa/resync", {"code1": code_at(enrolled.secret, now - 30), "code2": code_at(enrolled.secret, now)}
        )
        assert resynced.headers["location"] == "/signin/mfa?notice=device-resynced"
        server.move_clock(30)
        assert browser.submit_mfa(browser.current_code(enrolled.secret)).headers["location"] == "/console"


def test_malformed_input_gives_4xx(server: RunningServer, browser: ConsoleClient) -> None:
    browser.get("/signin")
    too_long = browser.post("/signin", {"email": "a" * 5000})
    assert too_long.status_code == 400
    garbage = browser.http.post(
        "/signin", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert 400 <= garbage.status_code < 500
    assert browser.get("/security-credentials/mfa/NOPE/remove").status_code == 303  # not signed in
    browser.sign_in_root()
    browser.enrol()
    assert browser.get("/security-credentials/mfa/NOPE/remove").status_code == 404
    open_redirect = browser.get("/reauthenticate?next=//evil.example")
    assert 'action="/reauthenticate?next=/security-credentials"' in open_redirect.text
