"""The real aws CLI (awscli from PyPI) against a real server, as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.awsapi.iam_support import b32, decode_qr, module_server
from tests.helpers import code_at
from tests.server_harness import RunningServer


def aws_executable() -> str:
    beside_python = Path(sys.executable).with_name("aws")
    found = str(beside_python) if beside_python.exists() else shutil.which("aws")
    if found is None:
        pytest.fail("the aws CLI (awscli) is not installed in this environment")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "aws-cli") as running:
        yield running


@pytest.fixture(scope="module")
def aws(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("aws-home")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": server.admin["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": server.admin["secret_access_key"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }
    executable = aws_executable()

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [executable, "--endpoint-url", server.url, "--output", "json", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=120,
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_create_virtual_mfa_device_writes_a_real_qr_code(aws: Any, server: RunningServer, tmp_path: Path) -> None:
    created = ok(
        aws(
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "cli-qr",
            "--outfile",
            "qr.png",
            "--bootstrap-method",
            "QRCodePNG",
            cwd=tmp_path,
        )
    )
    serial = created["VirtualMFADevice"]["SerialNumber"]
    assert serial == f"arn:aws:iam::{server.account_id}:mfa/cli-qr"
    uri = urlsplit(decode_qr((tmp_path / "qr.png").read_bytes()))
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == f"/twostep:cli-qr@{server.account_id}"
    seed = parse_qs(uri.query)["secret"][0]
    assert len(b32(seed)) == 20
    # the seed in the QR code is the device's: enabling with codes computed from it works
    ok(aws("iam", "create-user", "--user-name", "cli-qr-user"))
    now = server.now()
    ok(
        aws(
            "iam",
            "enable-mfa-device",
            "--user-name",
            "cli-qr-user",
            "--serial-number",
            serial,
            "--authentication-code1",
            code_at(seed, now - 30),
            "--authentication-code2",
            code_at(seed, now),
        )
    )


def test_base32_seed_enable_and_list(aws: Any, server: RunningServer, tmp_path: Path) -> None:
    created = ok(
        aws(
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "cli-seed",
            "--outfile",
            "seed.txt",
            "--bootstrap-method",
            "Base32StringSeed",
            cwd=tmp_path,
        )
    )
    serial = created["VirtualMFADevice"]["SerialNumber"]
    seed = (tmp_path / "seed.txt").read_text().strip()
    assert len(b32(seed)) == 20
    ok(aws("iam", "create-user", "--user-name", "cli-user"))
    now = server.now()
    ok(
        aws(
            "iam",
            "enable-mfa-device",
            "--user-name",
            "cli-user",
            "--serial-number",
            serial,
            "--authentication-code1",
            code_at(seed, now - 30),
            "--authentication-code2",
            code_at(seed, now),
        )
    )
    listed = ok(aws("iam", "list-mfa-devices", "--user-name", "cli-user"))
    assert [d["SerialNumber"] for d in listed["MFADevices"]] == [serial]
    assert listed["MFADevices"][0]["UserName"] == "cli-user"
    virtual = ok(aws("iam", "list-virtual-mfa-devices", "--assignment-status", "Assigned"))
    assert serial in [d["SerialNumber"] for d in virtual["VirtualMFADevices"]]


def test_a_wrong_code_fails_with_the_error_code(aws: Any, server: RunningServer, tmp_path: Path) -> None:
    created = ok(
        aws(
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "cli-wrong",
            "--outfile",
            "wrong.txt",
            "--bootstrap-method",
            "Base32StringSeed",
            cwd=tmp_path,
        )
    )
    ok(aws("iam", "create-user", "--user-name", "cli-wrong-user"))
    failed = aws(
        "iam",
        "enable-mfa-device",
        "--user-name",
        "cli-wrong-user",
        "--serial-number",
        created["VirtualMFADevice"]["SerialNumber"],
        "--authentication-code1",
        "000000",
        "--authentication-code2",
        "000001",
    )
    assert failed.returncode in (254, 255)
    assert "InvalidAuthenticationCode" in failed.stderr
    assert "Authentication code for device is not valid." in failed.stderr


def test_unknown_user_fails_with_no_such_entity(aws: Any) -> None:
    failed = aws("iam", "get-user", "--user-name", "nobody")
    assert failed.returncode in (254, 255)
    assert "NoSuchEntity" in failed.stderr


def test_users_keys_and_policies(aws: Any) -> None:
    ok(aws("iam", "create-user", "--user-name", "cli-admin2"))
    key = ok(aws("iam", "create-access-key", "--user-name", "cli-admin2"))["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA")
    ok(
        aws(
            "iam",
            "attach-user-policy",
            "--user-name",
            "cli-admin2",
            "--policy-arn",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        )
    )
    attached = ok(aws("iam", "list-attached-user-policies", "--user-name", "cli-admin2"))["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    ]
    users = ok(aws("iam", "list-users", "--max-items", "1"))  # the CLI pages through Marker itself
    assert len(users["Users"]) == 1 and "NextToken" in users
    everyone = ok(aws("iam", "list-users", "--page-size", "1"))
    assert {"admin", "cli-admin2"} <= {u["UserName"] for u in everyone["Users"]}
