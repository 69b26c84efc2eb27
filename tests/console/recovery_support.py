"""What the recovery and required-MFA tests share (issue 14): a server that mails through a local SMTP server
(aiosmtpd, tests/notify), the sign-in link out of a mail, an IAM user with a device and recovery codes, and the
route-by-route sweep that proves a restricted session reaches nothing it should not."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from starlette.routing import Route

from tests.console.console_client import ConsoleClient
from tests.helpers import earlier_step_codes
from tests.notify.test_notifications import Inbox
from tests.server_harness import RunningServer, free_port, running_server
from twostep.console.app import console_routes

USER_PASSWORD = "a long console password"
LINK = re.compile(r"(http://\S+/signin/recovery/verify\?token=\S+)")

# Pages anyone may open without a session (sign-in, the language switcher, sign-out): a restricted session gets
# from them what a visitor gets, nothing of the account.
PUBLIC = {
    "/",
    "/signin",
    "/signin/root",
    "/signin/iam",
    "/signin/mfa",
    "/signin/mfa/resync",
    "/signin/mfa/passkey/options",
    "/signin/recovery",
    "/signin/recovery/email",
    "/signin/recovery/verify",
    "/signout",
    "/language",
}
WIZARD = {
    "/security-credentials/mfa/assign",
    "/security-credentials/mfa/assign/setup",
    "/security-credentials/mfa/assign/cancel",
    "/security-credentials/mfa/assign/passkey",
    "/security-credentials/mfa/assign/passkey/options",
    "/security-credentials/mfa/assign/hardware",
}
# What a session signed in using alternative factors may open, and a user who must assign a device first.
RECOVERY_REACH = {"/security-credentials", "/security-credentials/mfa/{device_id}/remove", "/signout-everywhere"}
RECOVERY_REACH |= WIZARD
ENROLMENT_REACH = {"/reauthenticate", "/reauthenticate/passkey/options", "/signout-everywhere"} | WIZARD


@dataclass
class MailedServer:
    server: RunningServer
    inbox: Inbox

    def wait_for_mail(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.inbox.received) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.inbox.received) >= count, self.inbox.subjects

    def link(self, index: int = -1) -> str:
        """The sign-in link of a mail (the newest by default)."""
        message = self.inbox.messages[index]
        body = message.get_content()  # type: ignore[attr-defined]
        found = LINK.search(str(body))
        assert found, body
        return found.group(1)


@contextmanager
def mailed_server(tmp_path: Path) -> Iterator[MailedServer]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {
        "TWOSTEP_SMTP_HOST": "127.0.0.1",
        "TWOSTEP_SMTP_PORT": str(controller.port),
        "TWOSTEP_SMTP_STARTTLS": "false",
    }
    try:
        with running_server(tmp_path, extra_env=env) as server:
            yield MailedServer(server, inbox)
    finally:
        controller.stop()


@dataclass
class EnrolledUser:
    name: str
    seed: bytes
    device_id: str
    recovery_codes: list[str]


def iam_user_with_codes(server: RunningServer, name: str) -> EnrolledUser:
    """An IAM user with a console password, an assigned device and the recovery codes it was shown."""
    with server.services() as services:
        root = services.identity.root_user(server.account_id)
        user = services.identity.create_user(server.account_id, name, actor=root, password=USER_PASSWORD)
        new = services.mfa.create_virtual_device(server.account_id, f"{name}-phone", actor=user)
        services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, server.now), actor=user)
        codes = list(services.recovery.issue_owed(user))
    return EnrolledUser(name, new.seed, new.device.id, codes)


def recover_iam(client: ConsoleClient, user: EnrolledUser, code: str) -> str:
    """Password, then the MFA page's alternative factors with a recovery code; the answer's location."""
    assert client.sign_in_iam(user.name, USER_PASSWORD).headers["location"] == "/signin/mfa"
    client.get("/signin/mfa")
    assert "Sign in using alternative factors" in client.page
    client.get("/signin/recovery")
    done = client.post("/signin/recovery", {"code": code})
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def console_paths(server: RunningServer) -> list[tuple[str, set[str]]]:
    """Every route of the console (as the server builds them) with its methods."""
    with server.services() as services:
        routes = [r for r in console_routes(services) if isinstance(r, Route)]
    return [(route.path, set(route.methods or ()) - {"HEAD"}) for route in routes]


def sweep(client: ConsoleClient, server: RunningServer, reach: set[str], sent_to: str, device_id: str) -> set[str]:
    """Every console route outside `reach` and PUBLIC, by GET and by POST (with this session's CSRF token), must
    send the session to `sent_to` and nothing else. Returns the routes that were checked."""
    checked = set()
    for path, methods in console_paths(server):
        if path in PUBLIC or path in reach:
            continue
        url = path.replace("{device_id}", device_id)
        for method in sorted(methods):
            response = client.get(url) if method == "GET" else client.post(url, {"name": "x", "code": "123456"})
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"] == sent_to, (method, path, response.headers["location"])
        checked.add(path)
    return checked
