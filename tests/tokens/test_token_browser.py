"""Issue 15 in Chromium: an operator imports a token; the root user assigns it in the wizard (Hardware TOTP token:
serial number and two codes computed by pyotp from the vendor's seed), in English and Korean. Signing in with a
token is tests/awsapi/test_hardware_tokens.py's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.console.test_console_browser import browser, sign_in_root  # noqa: F401 - the shared Chromium fixture
from tests.server_harness import RunningServer, running_server
from tests.tokens.vendor_files import VendorToken, csv_line

pytestmark = pytest.mark.browser

CLI = [sys.executable, "-m", "twostep.cli"]
WORDS = {
    "en": {
        "hardware": "Hardware TOTP token",
        "name": "Device name",
        "next": "Next",
        "serial": "Serial number",
        "code1": "MFA code 1",
        "code2": "MFA code 2",
        "add": "Add MFA",
        "recovery code": "Recovery code",
        "confirm": "Confirm",
        "labels": {"email": "Email address", "next": "Next", "password": "Password", "sign in": "Sign in"},
    },
    "ko": {
        "hardware": "하드웨어 TOTP 토큰",
        "name": "디바이스 이름",
        "next": "다음",
        "serial": "일련 번호",
        "code1": "MFA 코드 1",
        "code2": "MFA 코드 2",
        "add": "MFA 추가",
        "recovery code": "복구 코드",
        "confirm": "확인",
        "labels": {"email": "이메일 주소", "next": "다음", "password": "암호", "sign in": "로그인"},
    },
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def import_tokens(server: RunningServer, tmp_path: Path, *tokens: VendorToken) -> None:
    seed_file = tmp_path / "tokens.csv"
    seed_file.write_text("\n".join(csv_line(token) for token in tokens) + "\n")
    imported = subprocess.run(
        [
            *CLI,
            "tokens",
            "import",
            "--data-dir",
            str(server.data_dir),
            "--account-id",
            server.account_id,
            str(seed_file),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **server.env},
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_root_user_assigns_an_imported_hardware_token_in_the_wizard(
    browser: Browser,  # noqa: F811
    server: RunningServer,
    tmp_path: Path,
    language: str,
) -> None:
    token = VendorToken(f"GAHT{language.upper()}0000001")
    import_tokens(server, tmp_path, token)
    words = WORDS[language]
    totp = pyotp.TOTP(token.base32)
    context = browser.new_context(locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    try:
        sign_in_root(page, server, words["labels"])  # type: ignore[arg-type]
        # The root user must have MFA (issue 14): the wizard comes first.
        expect(page).to_have_url(re.compile(r"/security-credentials/mfa/assign$"))
        page.get_by_label(words["name"]).fill("key-fob")
        page.get_by_label(words["hardware"]).check()
        page.get_by_role("button", name=words["next"]).click()
        expect(page).to_have_url(re.compile(r"/security-credentials/mfa/assign/hardware$"))
        now = server.now()
        page.get_by_label(words["serial"]).fill(token.serial)
        page.get_by_label(words["code1"]).fill(totp.at(int(now) - 30))
        page.get_by_label(words["code2"]).fill(totp.at(int(now)))
        page.get_by_role("button", name=words["add"]).click()
        # A first device: the recovery codes, confirmed by typing one back.
        codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
        assert len(codes) == 10
        page.get_by_role("textbox", name=words["recovery code"], exact=True).fill(codes[0])
        page.get_by_role("button", name=words["confirm"]).click()
        page.goto(server.url + "/security-credentials")
        row = page.locator("tr", has_text=token.serial)
        expect(row).to_contain_text(words["hardware"])
    finally:
        context.close()
    with server.services() as services:
        device = services.mfa.device(server.account_id, token.serial)
        assert device.user_id is not None and device.enabled_at is not None
