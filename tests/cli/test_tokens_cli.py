"""`twostep tokens import|list|remove` as an operator runs them, on SQLite and PostgreSQL: the flags and JSON of the
contract, all or nothing, hostile files, and no seed in any output or in the database file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.databases import database_under_test
from tests.server_harness import init_data_dir, server_environment, twostep
from tests.tokens.vendor_files import (
    ENTITY_BOMB,
    RFC_PASSWORD,
    RFC_PRE_SHARED_KEY,
    VendorToken,
    csv_line,
    otpauth_line,
    pskc_file,
    rfc_file,
)

TOKENS = [VendorToken("GAHT40000001"), VendorToken("GAHT40000002", digits=8), VendorToken("GAHT40000003", period=60)]


@dataclass
class Operator:
    tmp: Path
    data_dir: Path
    env: dict[str, str]
    account_id: str

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        action, *rest = args
        return twostep(
            "tokens", action, "--data-dir", str(self.data_dir), "--account-id", self.account_id, *rest,
            stdin=stdin, env=self.env,
        )  # fmt: skip

    def file(self, name: str, content: bytes | str) -> str:
        path = self.tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    def pool(self) -> list[dict[str, object]]:
        listed = self.run("list")
        assert listed.returncode == 0, listed.stderr
        pool: list[dict[str, object]] = json.loads(listed.stdout)
        return pool


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Operator]:
    with database_under_test(tmp_path) as url:
        env = server_environment(tmp_path, url, None)
        created = init_data_dir(tmp_path / "data", env)
        yield Operator(tmp_path, tmp_path / "data", env, created["account_id"])


def no_seed_in(text: str) -> bool:
    return not any(t.base32 in text or t.seed.hex() in text or t.seed_b64 in text for t in TOKENS)


def test_import_an_encrypted_pskc_file_then_list_and_remove(operator: Operator) -> None:
    seeds = operator.file("vendor.pskc", pskc_file(TOKENS, key=b"t" * 16))
    key = operator.file("transport.key", (b"t" * 16).hex() + "\n")
    done = operator.run("import", "--pskc-key-file", key, seeds)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"imported": 3, "skipped": []}
    assert no_seed_in(done.stdout + done.stderr)
    assert operator.pool() == [{"serial": t.serial, "user": None, "last_used": None} for t in TOKENS]
    removed = operator.run("remove", TOKENS[0].serial)
    assert (removed.returncode, json.loads(removed.stdout)) == (0, {"removed": TOKENS[0].serial})
    again = operator.run("remove", TOKENS[0].serial)
    assert again.returncode == 2 and f"no hardware token {TOKENS[0].serial}" in again.stderr
    assert [t["serial"] for t in operator.pool()] == [TOKENS[1].serial, TOKENS[2].serial]
    # The database file holds the seeds sealed only (SQLite; the domain tests read PostgreSQL's rows).
    database = operator.data_dir / "twostep.db"
    if database.exists():
        dump = b"".join(p.read_bytes() for p in operator.data_dir.glob("twostep.db*"))
        for token in TOKENS[1:]:
            assert (
                token.seed not in dump and token.base32.encode() not in dump and token.seed.hex().encode() not in dump
            )


def test_import_the_rfc_password_example_with_the_password_on_stdin(operator: Operator) -> None:
    seeds = operator.file("rfc.pskc", rfc_file("rfc6030-figure6-pbkdf2.pskc", totp=True))
    done = operator.run("import", "--format", "pskc", "--pskc-password-stdin", seeds, stdin=RFC_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"imported": 1, "skipped": []}
    assert operator.pool()[0]["serial"] == "987654321"


def test_the_rfc_pre_shared_key_example_holds_a_hotp_key_and_imports_nothing(operator: Operator) -> None:
    seeds = operator.file("rfc.pskc", rfc_file("rfc6030-figure5-preshared.pskc"))
    key = operator.file("raw.key", RFC_PRE_SHARED_KEY)  # the raw 16 bytes this time
    done = operator.run("import", "--pskc-key-file", key, seeds)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "imported": 0,
        "rejected": [{"entry": "KeyPackage 1", "serial": "987654321", "reason": "a HOTP key, not TOTP"}],
    }
    assert "KeyPackage 1 (987654321): a HOTP key, not TOTP" in done.stderr and "--skip-invalid" in done.stderr
    assert operator.pool() == []


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (pskc_file(TOKENS, key=b"t" * 16), ["--pskc-key-file", "wrong.key"], "a wrong key or password"),
        (pskc_file(TOKENS, password="right"), ["--pskc-password-stdin"], "a wrong key or password"),
        (pskc_file(TOKENS, key=b"t" * 16), [], "the file needs its pre-shared key"),
        (
            pskc_file(TOKENS, key=b"t" * 16).replace(b"<ValueMAC>", b"<ValueMAC>AAAA"),
            ["--pskc-key-file", "right.key"],
            "the MAC does not match",
        ),
        (ENTITY_BOMB, [], "declares a DTD or entities"),
        (b"<KeyContainer><KeyPackage>", [], "not a well-formed XML document"),
    ],
    ids=["wrong-key", "wrong-password", "no-key", "bad-mac", "entity-bomb", "malformed-xml"],
)
def test_a_file_that_does_not_check_out_imports_nothing(
    operator: Operator, content: bytes, options: list[str], message: str
) -> None:
    operator.file("wrong.key", (b"w" * 16).hex())
    operator.file("right.key", (b"t" * 16).hex())
    paths = [str(operator.tmp / o) if o.endswith(".key") else o for o in options]
    done = operator.run("import", *paths, operator.file("seeds.pskc", content), stdin="wrong\n")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stdout == "" and no_seed_in(done.stderr)
    assert operator.pool() == []


def test_csv_all_or_nothing_then_skip_invalid(operator: Operator) -> None:
    lines = ["serial,secret,digits,period,algorithm", csv_line(TOKENS[0]), "GAHT40000009,abcd", csv_line(TOKENS[1])]
    seeds = operator.file("seeds.csv", "\n".join(lines) + "\n")
    refused = operator.run("import", seeds)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["rejected"] == [
        {"entry": "line 3", "serial": "GAHT40000009", "reason": "the seed has 16 bits; at least 128 are needed"}
    ]
    assert operator.pool() == [] and no_seed_in(refused.stdout + refused.stderr)
    done = operator.run("import", "--skip-invalid", "--format", "csv", seeds)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "imported": 2,
        "skipped": [
            {"entry": "line 3", "serial": "GAHT40000009", "reason": "the seed has 16 bits; at least 128 are needed"}
        ],
    }
    duplicate = operator.run("import", seeds)  # the same file again: every token is already installed
    reasons = {r["entry"]: r["reason"] for r in json.loads(duplicate.stdout)["rejected"]}
    assert reasons["line 2"] == reasons["line 4"] == "the serial number is already installed"


def test_otpauth_file_and_a_seed_already_installed(operator: Operator) -> None:
    seeds = operator.file("seeds.txt", "\n".join(otpauth_line(t) for t in TOKENS[:2]))
    done = operator.run("import", seeds)
    assert json.loads(done.stdout) == {"imported": 2, "skipped": []}, done.stderr
    copy = VendorToken("GAHT40000010", seed=TOKENS[0].seed)
    refused = operator.run("import", "--format", "otpauth", operator.file("copy.txt", otpauth_line(copy)))
    assert json.loads(refused.stdout)["rejected"] == [
        {"entry": "line 1", "serial": copy.serial, "reason": "the seed is already installed for another token"}
    ]


def test_operator_mistakes_are_clear(operator: Operator) -> None:
    seeds = operator.file("seeds.csv", csv_line(TOKENS[0]))
    missing = operator.run("import", str(operator.tmp / "nope.csv"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad_key = operator.run("import", "--pskc-key-file", operator.file("k", b"short"), seeds)
    assert bad_key.returncode == 2 and "neither a hex AES key" in bad_key.stderr
    both = operator.run("import", "--pskc-key-file", "k", "--pskc-password-stdin", seeds)
    assert both.returncode == 2 and "not allowed with" in both.stderr
    wrong_account = twostep(
        "tokens", "list", "--data-dir", str(operator.data_dir), "--account-id", "000000000000", env=operator.env
    )
    assert wrong_account.returncode == 2 and "no account 000000000000" in wrong_account.stderr
