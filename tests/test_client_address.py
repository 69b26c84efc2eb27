"""The one client-address helper, and the console and the API recording the address through it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.requests import HTTPConnection

from tests.asgi_app import asgi_app
from twostep.client_address import client_address

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
PEER = ("198.51.100.23", 41234)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def connection(client: tuple[str, int] | None) -> HTTPConnection:
    return HTTPConnection({"type": "http", "path": "/", "headers": [], "client": client})


def test_the_address_is_the_connections_peer() -> None:
    assert client_address(connection(("192.0.2.1", 5000))) == "192.0.2.1"
    assert client_address(connection(("2001:db8::1", 5000))) == "2001:db8::1"


def test_no_address_when_the_server_knows_none() -> None:
    assert client_address(connection(None)) is None


def test_the_console_and_the_api_record_the_peer_address(tmp_path: Path) -> None:
    with asgi_app(tmp_path, client=PEER) as app:
        _, root = app.services.identity.create_account(EMAIL, PASSWORD)
        app.services.identity.create_user(root.account_id, "alice", actor=root)
        key = app.services.identity.create_access_key(root, actor=root)
        device = app.services.mfa.create_virtual_device(root.account_id, "phone", actor=root).device

        # The console: a root sign-in.
        page = app.request("GET", "/signin").text
        token = re.search(r'name="form_token" value="([^"]*)"', page)
        assert token
        fields = {"form_token": token.group(1), "email": EMAIL, "password": PASSWORD}
        signin = app.request(
            "POST", "/signin/root", headers={**FORM, "Origin": app.base_url}, content=urlencode(fields).encode()
        )
        assert signin.status_code == 303

        # The API: EnableMFADevice with codes that are not the device's.
        body = urlencode(
            {
                "Action": "EnableMFADevice",
                "Version": "2010-05-08",
                "UserName": "alice",
                "SerialNumber": device.serial,
                "AuthenticationCode1": "000000",
                "AuthenticationCode2": "000000",
            }
        ).encode()
        signed = AWSRequest(method="POST", url=app.base_url + "/", data=body, headers=FORM)
        SigV4Auth(Credentials(key.key.id, key.secret_access_key), "iam", "us-east-1").add_auth(signed)
        answer = app.request("POST", "/", headers=dict(signed.headers.items()), content=body)
        assert answer.status_code == 403 and "InvalidAuthenticationCode" in answer.text

        with app.services.uow(readonly=True) as uow:
            events = {e.event.event_name: e.event for e in uow.audit.events(root.account_id)}
        assert events["ConsoleLogin"].source_ip == PEER[0]
        assert events["MfaCodeRejected"].source_ip == PEER[0]
