"""S15, S16, S21, S23 at the HTTP level, over https (the ASGI app in-process, https base URL): `__Host-` cookies
with Secure, HttpOnly, SameSite and Path=/; the security headers on every response (CSP without inline script,
frame-ancestors 'none', Referrer-Policy, HSTS); Cache-Control: no-store on enrolment, the QR code drawn locally;
and once the device is enabled, no page, API answer, error or log line (SQL statements included) holds its seed or
otpauth URI, nor any code, password or secret key. The same, with the real server's own output, at the end."""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.asgi_app import AsgiApp, asgi_app
from tests.console.console_client import ConsoleClient
from tests.helpers import code_at
from tests.server_harness import (
    RunningServer,
    free_port,
    init_data_dir,
    server_environment,
    stop,
    twostep,
    wait_healthy,
)
from twostep.audit.cloudtrail import to_cloudtrail
from twostep.console.security import CONTENT_SECURITY_POLICY

ORIGIN = "https://console.example"
EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
TOKENS = re.compile(r'name="(csrf_token|form_token)" value="([^"]*)"')
SECRET = re.compile(r'<code id="secret-key" class="secret">([A-Z2-7]+)</code>')


def secret_forms(seed_b32: str) -> list[str]:
    """The seed in every encoding a leak might use, and the URI that carries it."""
    seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    b32 = base64.b32encode(seed).decode()
    return [
        b32,
        b32.rstrip("="),
        b32.lower().rstrip("="),
        base64.b64encode(seed).decode(),
        base64.urlsafe_b64encode(seed).decode().rstrip("="),
        seed.hex(),
        seed.hex().upper(),
        "otpauth://",
        "otpauth%3A%2F%2F",
    ]


def assert_security_headers(response: httpx.Response, *, https: bool = True) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'" and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    if https:
        assert int(headers["strict-transport-security"].removeprefix("max-age=")) >= 31_536_000
    else:
        assert "strict-transport-security" not in headers


def assert_no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html, re.IGNORECASE):
        assert re.search(r'\ssrc="/static/[^"]+"', tag), tag  # our own file, never inline code
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)  # no event-handler attributes
    assert "javascript:" not in html.lower() and " style=" not in html


def cookie_attributes(set_cookie: str) -> tuple[str, set[str]]:
    name = set_cookie.split("=", 1)[0]
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
    return name, attributes


class Browser:
    """A browser on the https origin: cookies kept by httpx's jar, Origin sent, form tokens filled in."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app
        self.page = ""
        self.seen: list[httpx.Response] = []

    def get(self, path: str) -> httpx.Response:
        response = self.app.request("GET", path)
        self.seen.append(response)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.page = response.text
        return response

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        fields = {name: value for name, value in TOKENS.findall(self.page)} | data
        response = self.app.request(
            "POST",
            path,
            headers={"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
            content=urlencode(fields).encode(),
        )
        self.seen.append(response)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.page = response.text
        return response


def api(app: AsgiApp, key: Credentials, form: dict[str, str], service: str = "iam") -> httpx.Response:
    body = urlencode({"Version": "2011-06-15" if service == "sts" else "2010-05-08", **form}).encode()
    request = AWSRequest(
        method="POST", url=ORIGIN + "/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    SigV4Auth(key, service, "us-east-1").add_auth(request)
    return app.request("POST", "/", headers=dict(request.headers.items()), content=body)


def test_over_https(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger at its most talkative...
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # ...SQL statements and their parameters included
    with asgi_app(tmp_path, base_url=ORIGIN) as app:
        services = app.services
        _, root = services.identity.create_account(EMAIL, PASSWORD)
        created = services.identity.create_access_key(root, actor=root)
        key = Credentials(created.key.id, created.secret_access_key)
        browser = Browser(app)

        # S15: cookies over https carry the __Host- prefix, Secure, HttpOnly, a SameSite and Path=/, no Domain.
        signin = browser.get("/signin")
        name, attributes = cookie_attributes(signin.headers["set-cookie"])
        assert name == "__Host-twostep-form"
        assert {"secure", "httponly", "samesite", "path"} <= attributes and "domain" not in attributes
        assert "samesite=strict" in signin.headers["set-cookie"].lower()
        browser.post("/signin", {"email": EMAIL})
        done = browser.post("/signin/root", {"email": EMAIL, "password": PASSWORD})
        assert done.status_code == 303 and done.headers["location"] == "/console"
        name, attributes = cookie_attributes(done.headers["set-cookie"])
        assert name == "__Host-twostep-session"
        assert {"secure", "httponly", "samesite", "path"} <= attributes and "domain" not in attributes
        assert "samesite=lax" in done.headers["set-cookie"].lower() and "path=/;" in done.headers["set-cookie"].lower()
        # A cookie without the prefix (say, planted over plain http) is not a session here.
        token = app.client.cookies["__Host-twostep-session"]
        plain = app.request("GET", "/security-credentials", headers={"Cookie": f"twostep-session={token}"})
        assert plain.status_code == 303 and plain.headers["location"] == "/signin"
        prefixed = app.request(
            "GET", "/security-credentials/mfa/assign", headers={"Cookie": f"__Host-twostep-session={token}"}
        )
        assert prefixed.status_code == 200  # the root user's first page: Assign MFA device (issue 14)

        # S16: a state change from another origin is refused.
        cross = app.request(
            "POST",
            "/security-credentials/mfa/assign",
            headers={"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
            content=urlencode({"name": "evil", "device_type": "authenticator-app"}).encode(),
        )
        assert cross.status_code == 403 and services.mfa.devices_in_account(root.account_id) == []

        # S21: enrolment, with no-store and a QR code drawn on the page itself.
        browser.get("/security-credentials/mfa/assign")
        started = browser.post(
            "/security-credentials/mfa/assign", {"name": "phone", "device_type": "authenticator-app"}
        )
        setup = browser.get(started.headers["location"])
        assert setup.headers["cache-control"] == "no-store"
        found = SECRET.search(setup.text)
        assert found
        seed = found.group(1)
        assert "<svg" in setup.text and "<img" not in setup.text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', setup.text)  # no third-party QR renderer
        now = services.clock.now()
        codes = [code_at(seed, now - 30), code_at(seed, now)]
        enabled = browser.post("/security-credentials/mfa/assign/setup", {"code1": codes[0], "code2": codes[1]})
        assert enabled.status_code == 200 and enabled.headers["cache-control"] == "no-store"
        recovery_codes = re.findall(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", enabled.text)
        assert len(recovery_codes) == 10  # shown this once, and found nowhere below
        device = services.mfa.devices_of(root)[0]

        # After enabling: every page, error, API answer and log line, and the audit trail, without the seed.
        after: list[httpx.Response] = []
        pages = [
            "/",
            "/console",
            "/security-credentials",
            "/security-credentials?notice=assigned",
            "/security-credentials/mfa/assign",
            "/security-credentials/mfa/assign/setup",
            f"/security-credentials/mfa/{device.id}/resync",
            f"/security-credentials/mfa/{device.id}/remove",
            "/users",
            "/reauthenticate",
            "/static/console.js",
            "/static/console.css",
            "/no-such-page",
        ]
        after += [browser.get(path) for path in pages]
        after.append(browser.post("/security-credentials/mfa/assign/setup", {"code1": codes[0], "code2": codes[1]}))
        after.append(browser.post(f"/security-credentials/mfa/{device.id}/resync", {"code1": "1", "code2": "x"}))
        after.append(browser.post(f"/security-credentials/mfa/{device.id}/remove", {"code": "12 345"}))
        calls: list[dict[str, str]] = [
            {"Action": "ListMFADevices"},
            {"Action": "ListVirtualMFADevices"},
            {"Action": "GetMFADevice", "SerialNumber": device.serial},
            {"Action": "ListMFADeviceTags", "SerialNumber": device.serial},
            {"Action": "GetAccountSummary"},
            {"Action": "GenerateCredentialReport"},
            {"Action": "GetCredentialReport"},
            {"Action": "EnableMFADevice", "UserName": "x", "SerialNumber": device.serial, **_codes(codes)},
            {"Action": "ResyncMFADevice", "SerialNumber": device.serial, **_codes(["12 345", "0"])},
            {"Action": "DeleteVirtualMFADevice", "SerialNumber": device.serial},
        ]
        after += [api(app, key, form) for form in calls]
        after.append(
            api(app, key, {"Action": "GetSessionToken", "SerialNumber": device.serial, "TokenCode": "1"}, "sts")
        )
        for response in browser.seen + after:
            assert_security_headers(response)
            if response.headers.get("content-type", "").startswith("text/html"):
                assert_no_inline_script(response.text)
        for response in after:
            assert response.status_code < 500, response.text
            for form in secret_forms(seed) + recovery_codes:
                assert form not in response.text and form not in str(response.headers), (response.url, form)
        with services.uow(readonly=True) as uow:
            trail = [to_cloudtrail(recorded) for recorded in uow.audit.events(root.account_id)]
        logs = "\n".join(record.getMessage() for record in caplog.records)
        assert "INSERT INTO mfa_devices" in logs  # the SQL log really was captured
        for text in (str(trail), logs):
            for form in secret_forms(seed) + codes + recovery_codes + [PASSWORD, created.secret_access_key]:
                assert form not in text, form


def _codes(codes: list[str]) -> dict[str, str]:
    return {"AuthenticationCode1": codes[0], "AuthenticationCode2": codes[1]}


def test_plain_http_has_no_prefix_secure_nor_hsts(tmp_path: Path) -> None:
    """Plain http (loopback development): the same cookies without __Host- and Secure, which browsers would refuse
    from an http origin, and no HSTS; everything else as over https."""
    with asgi_app(tmp_path, base_url="http://127.0.0.1:8000") as app:
        signin = app.request("GET", "/signin")
        assert_security_headers(signin, https=False)
        name, attributes = cookie_attributes(signin.headers["set-cookie"])
        assert name == "twostep-form" and "secure" not in attributes and {"httponly", "samesite"} <= attributes


# `twostep serve` with every logger at DEBUG and SQL statements with their parameters (an operator debugging).
VERBOSE_SERVE = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "logging.getLogger('sqlalchemy.engine').setLevel(logging.INFO); "
    "from twostep.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def test_the_real_servers_output_holds_no_secret(tmp_path: Path) -> None:
    """The running server's own output, every logger at DEBUG, after an enrolment over the console and the API,
    wrong and malformed codes, and requests that fail in several ways."""
    env = server_environment(tmp_path, None, None)
    data_dir = tmp_path / "data"
    created = init_data_dir(data_dir, env)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", VERBOSE_SERVE, "serve", "--data-dir", str(data_dir), "--port", str(port)],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            server = RunningServer(
                url,
                data_dir,
                created["account_id"],
                "root@example.com",
                "correct horse battery staple",
                created["admin"],
                tmp_path / "clock-offset",
                env,
                process,
            )
            secrets_seen = exercise(server)
        finally:
            stop(process)
    text = log.read_text(errors="replace")
    assert "INSERT INTO mfa_devices" in text  # the output really was captured
    for form in secrets_seen:
        assert form not in text, form
    check = twostep("db", "check", "--data-dir", str(data_dir), env=env)
    assert check.returncode == 0, check.stdout


def exercise(server: RunningServer) -> list[str]:
    """Enrol over the console and the API, fail in many ways; return every secret that went over the wire."""
    browser = ConsoleClient(server)
    try:
        browser.sign_in_root()
        enrolled = browser.enrol("phone")
        server.move_clock(30)
        browser.post("/signin/mfa", {"code": "１２３４５６"})
        key = Credentials(server.admin["access_key_id"], server.admin["secret_access_key"])
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def call(form: dict[str, str], service: str = "iam") -> Any:
                body = urlencode({"Version": "2011-06-15" if service == "sts" else "2010-05-08", **form}).encode()
                request = AWSRequest(method="POST", url=server.url + "/", data=body)
                request.headers["Content-Type"] = "application/x-www-form-urlencoded"
                SigV4Auth(key, service, "us-east-1").add_auth(request)
                return client.post("/", content=body, headers=dict(request.headers.items()))

            made = call({"Action": "CreateVirtualMFADevice", "VirtualMFADeviceName": "api-phone"})
            api_seed = re.search(r"<Base32StringSeed>([^<]+)</Base32StringSeed>", made.text)
            assert api_seed
            seed = base64.b64decode(api_seed.group(1)).decode()
            serial = f"arn:aws:iam::{server.account_id}:mfa/api-phone"
            now = server.now()
            codes = [code_at(seed, now - 30), code_at(seed, now)]
            enabled = call({"Action": "EnableMFADevice", "UserName": "admin", "SerialNumber": serial, **_codes(codes)})
            assert enabled.status_code == 200, enabled.text
            call({"Action": "EnableMFADevice", "UserName": "admin", "SerialNumber": serial, **_codes(codes)})
            call({"Action": "GetSessionToken", "SerialNumber": serial, "TokenCode": codes[1]}, "sts")
            call({"Action": "GetSessionToken", "SerialNumber": serial, "TokenCode": "12 345"}, "sts")
            call({"Action": "ListVirtualMFADevices"})
            client.post("/", content=b"\xff\xfe garbage", headers={"Authorization": "AWS4-HMAC-SHA256 nonsense"})
        return (
            secret_forms(enrolled.secret)
            + secret_forms(seed)
            + [enrolled.code1, enrolled.code2, *codes, server.root_password, server.admin["secret_access_key"]]
        )
    finally:
        browser.close()
