"""`twostep audit verify` and `twostep audit export` as an operator runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import database_url, engine_under_test
from tests.server_harness import twostep
from twostep import bootstrap
from twostep.settings import Settings
from twostep.signin.errors import SignInFailed

PASSWORD = "a long enough passphrase"


@dataclass
class DataDir:
    path: Path
    env: dict[str, str]
    account_id: str
    settings: Settings

    def run(self, *args: str) -> tuple[int, str, str]:
        done = twostep(*args, "--data-dir", str(self.path), env=self.env)
        return done.returncode, done.stdout, done.stderr


@pytest.fixture(params=[engine_under_test()])
def data(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DataDir]:
    with database_url(request.param, tmp_path) as url:
        env = {"TWOSTEP_DATABASE_URL": url} if request.param == "postgresql" else {}
        path = tmp_path / "data"
        init = twostep(
            "init",
            "--data-dir",
            str(path),
            "--email",
            "root@example.com",
            "--password-stdin",
            stdin=PASSWORD + "\n",
            env=env,
        )
        assert init.returncode == 0, init.stderr
        settings = Settings.from_environment(path, env.get("TWOSTEP_DATABASE_URL"))
        services = bootstrap.build(settings)
        try:
            services.signin.password_step(password=PASSWORD, email="root@example.com", source_ip="192.0.2.1")
            with pytest.raises(SignInFailed):
                services.signin.password_step(
                    password="wrong password!", email="root@example.com", source_ip="192.0.2.2"
                )
        finally:
            services.close()
        yield DataDir(path, env, json.loads(init.stdout)["account_id"], settings)


def tamper(data: DataDir, statement: str) -> None:
    engine = sa.create_engine(data.settings.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as c:
        c.execute(sa.text(statement), {"c": data.account_id})
    engine.dispose()


def test_verify_an_intact_log(data: DataDir) -> None:
    code, out, err = data.run("audit", "verify")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["intact"] is True and summary["chains"] == 1 and summary["events"] == 3
    assert summary["problems"] == []


def test_verify_names_the_broken_chain_and_seq(data: DataDir) -> None:
    tamper(data, "UPDATE audit_events SET source_ip = '203.0.113.9' WHERE chain = :c AND seq = 2")
    code, out, err = data.run("audit", "verify")
    assert code == 1
    assert json.loads(out)["intact"] is False
    assert f"chain {data.account_id} seq 2" in err


def test_verify_finds_a_truncated_tail(data: DataDir) -> None:
    tamper(
        data, "DELETE FROM audit_events WHERE chain = :c AND seq = (SELECT MAX(seq) FROM audit_events WHERE chain = :c)"
    )
    tamper(
        data,
        "UPDATE audit_heads SET seq = seq - 1, hash = (SELECT hash FROM audit_events WHERE chain = :c "
        "AND seq = (SELECT MAX(seq) FROM audit_events WHERE chain = :c)) WHERE chain = :c",
    )
    code, _, err = data.run("audit", "verify")
    assert code == 1 and "signature" in err


def test_export_writes_cloudtrail_json_lines(data: DataDir) -> None:
    code, out, err = data.run("audit", "export")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    names = [r["eventName"] for r in records]
    assert names[0] == "CreateAccount" and names.count("ConsoleLogin") == 2
    logins = [r for r in records if r["eventName"] == "ConsoleLogin"]
    ok, failed = logins
    assert ok["eventSource"] == "signin.amazonaws.com"
    assert ok["additionalEventData"] == {"MFAUsed": "No"} and ok["sourceIPAddress"] == "192.0.2.1"
    assert ok["userIdentity"]["type"] == "Root" and ok["userIdentity"]["accountId"] == data.account_id
    assert failed["errorMessage"] == "Failed authentication" and failed["responseElements"] == {
        "ConsoleLogin": "Failure"
    }
    for record in records:
        assert record["recipientAccountId"] == data.account_id
        assert record["eventTime"].endswith("Z") and record["eventID"]
    assert len({r["eventID"] for r in records}) == len(records)
    assert PASSWORD not in out and "wrong password!" not in out


def test_export_filters(data: DataDir) -> None:
    _, everything, _ = data.run("audit", "export", "--since", "2000-01-01")
    assert len(everything.splitlines()) == 3
    _, future, _ = data.run("audit", "export", "--since", "2999-01-01T00:00:00Z")
    assert future == ""
    _, other, _ = data.run("audit", "export", "--account", "999999999999")
    assert other == ""
    _, mine, _ = data.run("audit", "export", "--account", data.account_id)
    assert mine == everything
    code, _, err = data.run("audit", "export", "--since", "yesterday")
    assert code == 2 and "ISO 8601" in err
