"""An httpx client that uses the console like a browser: it sends Origin, keeps cookies and fills in the
form tokens the last page carried. Flow helpers keep the tests about behaviour, not markup."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tests.helpers import code_at
from tests.server_harness import RunningServer
from twostep.mfa.models import MfaDevice

TOKEN = re.compile(r'name="(csrf_token|form_token)" value="([^"]*)"')
SECRET = re.compile(r'<code id="secret-key" class="secret">([A-Z2-7]+)</code>')
RECOVERY_CODE = re.compile(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>")


def tokens(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in TOKEN.findall(page):
        found.setdefault(name, html.unescape(value))
    return found


@dataclass
class Enrolled:
    name: str
    secret: str
    code1: str
    code2: str
    recovery_codes: tuple[str, ...] = ()  # shown once with a user's first device


class ConsoleClient:
    def __init__(self, server: RunningServer, *, language: str = "en") -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Origin": server.url, "Accept-Language": language},
            follow_redirects=False,
            timeout=30,
        )
        self.page = ""

    def close(self) -> None:
        self.http.close()

    # -- raw requests ---------------------------------------------------------------------------------------

    def get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.page = response.text
        return response

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, (response.status_code, response.text[:2000])
        return self.get(response.headers["location"])

    def post(self, path: str, data: dict[str, str], *, with_tokens: bool = True) -> httpx.Response:
        body = {**(tokens(self.page) if with_tokens else {}), **data}
        response = self.http.post(path, data=body)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.page = response.text
        return response

    # -- flows ----------------------------------------------------------------------------------------------

    def sign_in_root(self, password: str | None = None, email: str | None = None) -> httpx.Response:
        self.get("/signin")
        page = self.post("/signin", {"email": email or self.server.root_email})
        assert page.status_code == 200, page.text
        return self.post(
            "/signin/root",
            {"email": email or self.server.root_email, "password": password or self.server.root_password},
        )

    def sign_in_iam(self, user_name: str, password: str) -> httpx.Response:
        self.get(f"/signin/iam?account={self.server.account_id}")
        return self.post(
            "/signin/iam", {"account_id": self.server.account_id, "user_name": user_name, "password": password}
        )

    def submit_mfa(self, code: str, device_id: str | None = None) -> httpx.Response:
        if 'action="/signin/mfa"' not in self.page:
            self.get("/signin/mfa")
        data = {"code": code}
        if device_id:
            data["device"] = device_id
        return self.post("/signin/mfa", data)

    def sign_out(self) -> httpx.Response:
        page = self.get("/security-credentials")
        if page.status_code == 303:  # a user who must assign a device first is sent to the wizard: its form will do
            self.follow(page)
        response = self.post("/signout", {})
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
        return response

    def start_assign(self, name: str) -> str:
        """Step 1 of the wizard; returns the Base32 secret the setup page shows."""
        page = self.get("/security-credentials/mfa/assign")
        assert page.status_code == 200, page.headers.get("location")
        setup = self.follow(
            self.post("/security-credentials/mfa/assign", {"name": name, "device_type": "authenticator-app"})
        )
        assert setup.status_code == 200
        assert setup.headers["cache-control"] == "no-store"
        found = SECRET.search(setup.text)
        assert found, setup.text
        return found.group(1)

    def enrol(self, name: str = "phone") -> Enrolled:
        secret = self.start_assign(name)
        now = self.server.now()
        # Code 1 from the previous step and code 2 from the current one: the server accepts the pair even if its
        # clock crosses into the next step before the request arrives.
        code1, code2 = code_at(secret, now - 30), code_at(secret, now)
        done = self.post("/security-credentials/mfa/assign/setup", {"code1": code1, "code2": code2})
        if done.status_code == 200:  # a first device: the recovery codes, shown this once
            codes = tuple(RECOVERY_CODE.findall(done.text))
            assert len(codes) == 10, done.text
            self.get("/security-credentials")
            return Enrolled(name, secret, code1, code2, codes)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/security-credentials?notice=assigned"
        self.follow(done)
        return Enrolled(name, secret, code1, code2)

    def current_code(self, secret: str) -> str:
        return code_at(secret, self.server.now())


@contextmanager
def console_client(server: RunningServer, *, language: str = "en") -> Iterator[ConsoleClient]:
    client = ConsoleClient(server, language=language)
    try:
        yield client
    finally:
        client.close()


def devices_in_account(server: RunningServer) -> list[MfaDevice]:
    with server.services() as services:
        return services.mfa.devices_in_account(server.account_id)
