"""The console's passkey pages over HTTP against the real server: the wizard's three device types, registration,
sign-in, removal, and the refusals a browser never sends (S16, S28)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import RECOVERY_CODE, ConsoleClient, console_client
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.console_passkeys import (
    ASSIGN,
    answer_mfa,
    at_localhost,
    authenticator_for,
    options,
    passkey_device_ids,
    register,
)
from tests.server_harness import RunningServer, running_server
from twostep.passkeys.ceremony import MAX_PAYLOAD_CHARACTERS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def browser(server: RunningServer) -> Iterator[ConsoleClient]:
    with console_client(at_localhost(server)) as client:
        assert client.sign_in_root().status_code == 303
        yield client


def devices(server: RunningServer) -> list[tuple[str, bool]]:
    with server.services() as services:
        root = services.identity.root_user(server.account_id)
        return [(d.serial, d.is_passkey) for d in services.mfa.devices_of(root)]


def failures(server: RunningServer, device_id: str) -> int:
    with server.services() as services, services.uow(readonly=True) as uow:
        return uow.devices.throttle_state(device_id)[0]


def test_step_one_offers_three_types_in_awss_order(server: RunningServer, browser: ConsoleClient) -> None:
    page = browser.get(ASSIGN).text
    labels = re.findall(r'<label for="type-[a-z]+">([^<]+)</label>', page)
    assert labels == ["Passkey or security key", "Authenticator app", "Hardware TOTP token"]
    assert re.search(r'id="type-passkey"[^>]*value="passkey"[^>]* checked>', page)  # the first usable one
    assert re.search(r'id="type-hardware"[^>]*value="hardware-totp"', page)
    assert not re.search(r'id="type-hardware"[^>]* disabled', page)
    assert 'src="/static/passkeys.js"' in page


def test_at_a_bare_ip_address_the_passkey_type_is_disabled_with_the_reason(server: RunningServer) -> None:
    with console_client(server) as client:  # http://127.0.0.1:PORT
        client.sign_in_root()
        page = client.get(ASSIGN).text
        assert re.search(r'id="type-passkey"[^>]* disabled>', page)
        port = server.url.rsplit(":", 1)[1]
        assert f"Open the console at http://localhost:{port} to use passkeys." in page
        assert re.search(r'id="type-app"[^>]* checked>', page)
        refused = client.post(ASSIGN, {"name": "key", "device_type": "passkey"})
        assert refused.status_code == 400 and "WebAuthn needs a host name" in refused.text
    assert devices(server) == []


def test_register_then_sign_in_with_the_passkey(server: RunningServer, browser: ConsoleClient) -> None:
    key = authenticator_for(server)
    done = register(browser, key, "yubikey")
    assert done.status_code == 303 and done.headers["location"] == "/security-credentials?notice=passkey-assigned"
    table = browser.follow(done).text
    [(serial, is_passkey)] = devices(server)
    assert is_passkey and re.fullmatch(rf"arn:aws:iam::{server.account_id}:u2f/root/yubikey-[A-Z0-9]{{26}}", serial)
    row = table[table.index("yubikey") :]
    row = row[: row.index("</tr>")]
    assert "Passkey or security key" in row and serial in row
    assert "Resync" not in row and "Remove" in row

    browser.sign_out()
    assert browser.sign_in_root().headers["location"] == "/signin/mfa"
    prompt = browser.get("/signin/mfa").text
    assert 'data-passkey="get"' in prompt and "data-passkey-auto" in prompt
    [device_id] = passkey_device_ids(prompt)
    signed_in = answer_mfa(browser, key, device_id)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"


def test_malformed_or_oversized_answers_are_a_clear_400_and_store_nothing(
    server: RunningServer, browser: ConsoleClient
) -> None:
    key = authenticator_for(server)
    browser.get(ASSIGN)
    browser.post(ASSIGN, {"name": "key", "device_type": "passkey"})
    browser.get(ASSIGN + "/passkey")
    created = options(browser, ASSIGN + "/passkey/options")
    for bad in ("not json", json.dumps({"id": "x"}), "{" + " " * MAX_PAYLOAD_CHARACTERS + "}"):
        browser.get(ASSIGN + "/passkey")
        refused = browser.post(ASSIGN + "/passkey", {"credential": bad})
        assert refused.status_code == 400
    browser.get(ASSIGN + "/passkey")
    assert (
        "The response from your browser could not be read."
        in browser.post(ASSIGN + "/passkey", {"credential": "[]"}).text
    )
    assert devices(server) == []
    # The challenge was not touched by any of them: the genuine answer still registers.
    registered = browser.post(ASSIGN + "/passkey", {"credential": key.create(created)})
    assert registered.status_code == 200 and len(RECOVERY_CODE.findall(registered.text)) == 10  # a first device

    browser.sign_out()
    browser.sign_in_root()
    prompt = browser.get("/signin/mfa").text
    [device_id] = passkey_device_ids(prompt)
    options(browser, "/signin/mfa/passkey/options", {"device": device_id})
    for bad in ("", "{]", "{" + " " * MAX_PAYLOAD_CHARACTERS + "}"):
        browser.get("/signin/mfa")
        refused = browser.post("/signin/mfa", {"device": device_id, "assertion": bad})
        assert refused.status_code == 400
    assert failures(server, device_id) == 0  # nothing was evaluated, nothing counted
    assert answer_mfa(browser, key, device_id).headers["location"] == "/console"


def test_the_ceremony_endpoints_take_a_post_with_the_sessions_token(
    server: RunningServer, browser: ConsoleClient
) -> None:
    for path in (ASSIGN + "/passkey/options", "/signin/mfa/passkey/options", "/reauthenticate/passkey/options"):
        assert browser.http.get(path).status_code == 405
    browser.get(ASSIGN)
    browser.post(ASSIGN, {"name": "key", "device_type": "passkey"})
    refused = browser.http.post(ASSIGN + "/passkey/options", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    foreign = browser.http.post(
        ASSIGN + "/passkey/options", data={"csrf_token": "x"}, headers={"Origin": "https://evil.test"}
    )
    assert foreign.status_code == 403


def test_removing_a_passkey_needs_a_fresh_sign_in_and_leaves_nothing(
    server: RunningServer, browser: ConsoleClient
) -> None:
    key = authenticator_for(server)
    browser.follow(register(browser, key))
    browser.sign_out()
    browser.sign_in_root()
    [device_id] = passkey_device_ids(browser.get("/signin/mfa").text)
    answer_mfa(browser, key, device_id)
    page = browser.get(f"/security-credentials/mfa/{device_id}/remove")
    assert page.status_code == 200 and 'name="code"' not in page.text  # the sign-in's passkey is the fresh proof
    assert browser.get(f"/security-credentials/mfa/{device_id}/resync").status_code == 404
    server.move_clock(600)
    stale = browser.post(f"/security-credentials/mfa/{device_id}/remove", {})
    assert stale.status_code == 303 and stale.headers["location"].startswith("/reauthenticate")
    assert devices(server) != []
    # Confirm with the password and the passkey itself, then remove.
    confirm = browser.get(stale.headers["location"])
    assert 'data-passkey="get"' in confirm.text
    requested = options(browser, "/reauthenticate/passkey/options", {"device": device_id})
    again = browser.post(
        stale.headers["location"],
        {"password": server.root_password, "device": device_id, "assertion": key.get(requested)},
    )
    assert again.status_code == 303, again.text
    browser.get(f"/security-credentials/mfa/{device_id}/remove")
    removed = browser.post(f"/security-credentials/mfa/{device_id}/remove", {})
    assert removed.headers["location"] == "/security-credentials?notice=removed"
    assert devices(server) == []
    with server.services() as services, services.uow(readonly=True) as uow:
        assert uow.passkeys.by_credential_id(key.credential_id) is None


def test_an_unregistered_authenticator_is_refused(server: RunningServer, browser: ConsoleClient) -> None:
    browser.follow(register(browser, authenticator_for(server)))
    browser.sign_out()
    browser.sign_in_root()
    [device_id] = passkey_device_ids(browser.get("/signin/mfa").text)
    stranger: SoftAuthenticator = authenticator_for(server)
    refused = answer_mfa(browser, stranger, device_id)
    assert refused.status_code == 400
    assert "Your passkey or security key was not accepted." in refused.text
    assert failures(server, device_id) == 1
