"""The `twostep` command as an operator runs it: init, account create, db upgrade, refusals that change nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.server_harness import twostep


def test_init_creates_everything_and_prints_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = twostep(
        "init",
        "--data-dir",
        str(data),
        "--email",
        "Me@Example.com",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert re.fullmatch(r"[1-9]\d{11}", output["account_id"])
    assert output["root_email"] == "me@example.com"
    assert (data / "twostep.db").exists()
    key_file = data / "keys.json"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_second_init_refuses_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = twostep(
        "init",
        "--data-dir",
        str(data),
        "--email",
        "a@example.com",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    assert first.returncode == 0
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.name == "keys.json"}
    again = twostep(
        "init",
        "--data-dir",
        str(data),
        "--email",
        "b@example.com",
        "--password-stdin",
        stdin="another long passphrase\n",
    )
    assert again.returncode == 2
    assert "already initialised" in again.stderr
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.name == "keys.json"} == before


def test_bad_password_or_email_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    short = twostep("init", "--data-dir", str(data), "--email", "a@example.com", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    common = twostep(
        "init", "--data-dir", str(data), "--email", "a@example.com", "--password-stdin", stdin="password123\n"
    )
    assert common.returncode == 2 and "too common" in common.stderr
    email = twostep(
        "init",
        "--data-dir",
        str(data),
        "--email",
        "not-an-email",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    assert email.returncode == 2 and "not an email address" in email.stderr
    assert not data.exists()


def test_account_create_adds_a_second_account(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = json.loads(
        twostep(
            "init",
            "--data-dir",
            str(data),
            "--email",
            "a@example.com",
            "--password-stdin",
            stdin="a long enough passphrase\n",
        ).stdout
    )
    second = twostep(
        "account",
        "create",
        "--data-dir",
        str(data),
        "--email",
        "b@example.com",
        "--password-stdin",
        stdin="another long passphrase\n",
    )
    assert second.returncode == 0, second.stderr
    created = json.loads(second.stdout)
    assert created["account_id"] != first["account_id"] and created["root_email"] == "b@example.com"
    duplicate = twostep(
        "account",
        "create",
        "--data-dir",
        str(data),
        "--email",
        "b@example.com",
        "--password-stdin",
        stdin="another long passphrase\n",
    )
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr


def test_commands_on_an_uninitialised_directory_say_so(tmp_path: Path) -> None:
    result = twostep(
        "account",
        "create",
        "--data-dir",
        str(tmp_path / "none"),
        "--email",
        "a@example.com",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    assert result.returncode == 2 and "not initialised" in result.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    twostep(
        "init",
        "--data-dir",
        str(data),
        "--email",
        "a@example.com",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    result = twostep("db", "upgrade", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["revision"]
