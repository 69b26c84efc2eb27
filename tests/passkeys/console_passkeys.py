"""The console's passkey pages over HTTP, driven with the software authenticator: the server is reached at
localhost (WebAuthn takes no IP address as RP ID), the options are fetched as the page's script would."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import httpx

from tests.console.console_client import RECOVERY_CODE, ConsoleClient, tokens
from tests.passkeys.authenticator import SoftAuthenticator
from tests.server_harness import RunningServer

ASSIGN = "/security-credentials/mfa/assign"
DEVICE_RADIO = re.compile(r'name="device" value="(MFAD[A-Z0-9]+)" data-kind="(passkey|code)"')


def at_localhost(server: RunningServer) -> RunningServer:
    return dataclasses.replace(server, url=server.url.replace("127.0.0.1", "localhost"))


def authenticator_for(server: RunningServer, **kwargs: Any) -> SoftAuthenticator:
    return SoftAuthenticator(origin=at_localhost(server).url, rp_id="localhost", **kwargs)


def options(client: ConsoleClient, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    """POST an options endpoint with the last page's CSRF token, as static/passkeys.js does."""
    response = client.http.post(path, data={**tokens(client.page), **(data or {})})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    found: dict[str, Any] = response.json()
    return found


def register(client: ConsoleClient, key: SoftAuthenticator, name: str = "security-key") -> httpx.Response:
    """Step 1 with Passkey or security key, then the registration page's ceremony; the final response."""
    client.get(ASSIGN)
    started = client.post(ASSIGN, {"name": name, "device_type": "passkey"})
    assert started.status_code == 303 and started.headers["location"] == ASSIGN + "/passkey", (
        started.status_code,
        started.headers.get("location"),
        started.text[-3000:],
    )
    page = client.follow(started)
    assert page.status_code == 200 and "data-passkey-auto" in page.text
    created = options(client, ASSIGN + "/passkey/options")
    done = client.post(ASSIGN + "/passkey", {"credential": key.create(created)})
    if done.status_code == 200 and len(RECOVERY_CODE.findall(done.text)) == 10:
        # A user's first device: the recovery codes are shown this once (issue 14) before Security credentials;
        # the page's way on stands for the redirect a later device gets.
        return httpx.Response(303, headers={"location": "/security-credentials?notice=passkey-assigned"})
    return done


def passkey_device_ids(page: str) -> list[str]:
    return [device for device, kind in DEVICE_RADIO.findall(page) if kind == "passkey"]


def answer_mfa(client: ConsoleClient, key: SoftAuthenticator, device_id: str) -> httpx.Response:
    """On the MFA page: the options for the chosen passkey, then the form with the browser's answer."""
    if 'action="/signin/mfa"' not in client.page:
        client.get("/signin/mfa")
    requested = options(client, "/signin/mfa/passkey/options", {"device": device_id})
    return client.post("/signin/mfa", {"device": device_id, "assertion": key.get(requested)})


def json_of(answer: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(answer)
    return found
