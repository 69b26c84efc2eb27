"""Refresh the README's screenshots of a user's page and of the phone layout. Run by hand, from the repository:

    .venv/bin/python docs/screenshots/make_screenshots.py

It initialises a throw-away data directory, starts a real `twostep serve` on a free port, sets up an account through
the API with boto3 as the `admin` user (an administrator `ops` with an MFA device, a user `alice` with a bit of
everything), signs in as `ops` in headless Chromium (Debian's /usr/bin/chromium) and writes the PNGs next to this
file, in English and Korean. Nothing outside the temporary directory and docs/screenshots/ is touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pyotp
from playwright.sync_api import Browser, Page, sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"
OPS_PASSWORD = "a long passphrase for ops"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
LABELS = {
    "en-US": {"User name": "User name", "Password": "Password", "Sign in": "Sign in", "MFA code": "MFA code"},
    "ko-KR": {"User name": "사용자 이름", "Password": "암호", "Sign in": "로그인", "MFA code": "MFA 코드"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def twostep(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "twostep.cli", *args], input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout


@contextmanager
def server(data_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """`twostep init` and `twostep serve`, as a user runs them; the URL and what init printed."""
    created = json.loads(
        twostep(
            "init", "--data-dir", str(data_dir), "--email", "root@example.com", "--password-stdin",
            "--admin-user", "admin", stdin=PASSWORD + "\n",
        )
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "twostep.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env={**os.environ, "TWOSTEP_MFA_BASE_DELAY": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, created
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_up(iam: Any) -> pyotp.TOTP:
    """`ops`: an administrator with a console password and an MFA device (enabled with two codes of the past, so
    the current one signs in); `alice`: a console password, two access keys, a device, a group, two policies."""
    iam.create_user(UserName="ops")
    iam.create_login_profile(UserName="ops", Password=OPS_PASSWORD)
    iam.attach_user_policy(UserName="ops", PolicyArn=ADMIN_ACCESS)
    totp = enable_device(iam, "ops", "ops-phone")
    iam.create_user(UserName="alice", Path="/engineering/")
    iam.create_login_profile(UserName="alice", Password="a long passphrase for alice", PasswordResetRequired=True)
    iam.create_access_key(UserName="alice")
    old_key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="alice", AccessKeyId=old_key, Status="Inactive")
    enable_device(iam, "alice", "alice-phone")
    for group in ("developers", "on-call", "auditors"):
        iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="read-build-artifacts", PolicyDocument=json.dumps(READ_S3))
    iam.attach_user_policy(UserName="alice", PolicyArn=ADMIN_ACCESS)
    return totp


def enable_device(iam: Any, user: str, name: str) -> pyotp.TOTP:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    now = time.time()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 60),
        AuthenticationCode2=totp.at(now - 30),
    )
    return totp


def sign_in(page: Page, url: str, account_id: str, totp: pyotp.TOTP, locale: str) -> None:
    words = LABELS[locale]
    page.goto(f"{url}/signin/iam?account={account_id}")
    page.get_by_label(words["User name"]).fill("ops")
    page.get_by_label(words["Password"]).fill(OPS_PASSWORD)
    page.get_by_role("button", name=words["Sign in"]).click()
    page.get_by_label(words["MFA code"], exact=True).fill(totp.now())
    page.get_by_role("button", name="Submit" if locale == "en-US" else "제출").click()
    page.wait_for_url(url + "/console")


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(HERE / name), full_page=True)
    print("wrote", HERE / name)


def pictures(browser: Browser, url: str, account_id: str, totp: pyotp.TOTP) -> None:
    for locale, suffix in (("en-US", ""), ("ko-KR", "-ko")):
        desktop = browser.new_context(locale=locale, viewport=DESKTOP)  # type: ignore[arg-type]
        page = desktop.new_page()
        sign_in(page, url, account_id, totp, locale)
        page.goto(url + "/users/alice")
        shoot(page, f"user-detail{suffix}.png")
        if not suffix:
            page.goto(url + "/users/alice/policies/inline")
            page.get_by_label("Policy name").fill("deploy")
            page.get_by_label("Policy document (JSON)").fill('{"Version": "2012-10-17", "Statement": [')
            page.get_by_role("button", name="Save policy").click()
            shoot(page, "user-inline-policy-error.png")
        desktop.close()
        time.sleep(30 - time.time() % 30 + 1)  # each sign-in takes a code of its own
        phone = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True)  # type: ignore[arg-type]
        page = phone.new_page()
        sign_in(page, url, account_id, totp, locale)
        page.goto(url + "/users/alice")
        shoot(page, f"user-detail-phone{suffix}.png")
        page.goto(url + "/security-credentials")
        shoot(page, f"security-credentials-phone{suffix}.png")
        phone.close()
        time.sleep(30 - time.time() % 30 + 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp) / "data") as (url, created):
        admin = created["admin"]
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=admin["access_key_id"],
            aws_secret_access_key=admin["secret_access_key"],
        )
        totp = set_up(iam)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                pictures(browser, url, created["account_id"], totp)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
