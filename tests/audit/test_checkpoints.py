"""S33: rolling the audit log back to an earlier signed head is found, against a real server's checkpoints.

The attacker can write the database but does not hold the key file. Earlier they kept a copy of the account's head
row (signature and all); later they delete every event after it and put the old row back. The chain is
self-consistent and its head correctly signed, so without checkpoints `twostep audit verify` calls it intact; with
the checkpoints the server wrote (on its interval, or when it stopped), it is reported as rolled back.
"""

from __future__ import annotations

import json
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.awsapi.iam_support import iam_client
from tests.server_harness import RunningServer, running_server, stop, twostep
from twostep.audit.checkpoints import CHECKPOINT_FILE

HEAD_COLUMNS = "chain, seq, hash, key_id, mac"


def engine_of(server: RunningServer) -> sa.Engine:
    return sa.create_engine(server.settings.database_url.replace("postgresql://", "postgresql+psycopg://"))


def head_row(server: RunningServer) -> dict[str, Any]:
    engine = engine_of(server)
    with engine.connect() as c:
        row = c.execute(
            sa.text(f"SELECT {HEAD_COLUMNS} FROM audit_heads WHERE chain = :c"), {"c": server.account_id}
        ).one()
    engine.dispose()
    return dict(row._mapping)


def roll_back(server: RunningServer, old_head: dict[str, Any]) -> None:
    """Delete the events after the old head and put the old head row back, signature included."""
    engine = engine_of(server)
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM audit_events WHERE chain = :chain AND seq > :seq"), old_head)
        c.execute(
            sa.text(
                "UPDATE audit_heads SET seq = :seq, hash = :hash, key_id = :key_id, mac = :mac WHERE chain = :chain"
            ),
            old_head,
        )
    engine.dispose()


def verify(server: RunningServer, *extra: str) -> tuple[int, dict[str, Any], str]:
    done = twostep("audit", "verify", "--data-dir", str(server.data_dir), *extra, env=server.env)
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


def checkpoints(server: RunningServer) -> list[dict[str, Any]]:
    path = server.data_dir / CHECKPOINT_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def checkpointed_seq(server: RunningServer) -> int:
    return max((c["seq"] for c in checkpoints(server) if c["chain"] == server.account_id), default=0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, extra_env={"TWOSTEP_AUDIT_CHECKPOINT_INTERVAL": "0.5"}) as running:
        yield running


def write_events(server: RunningServer) -> dict[str, Any]:
    """Some events, the head as it was after the first of them (the attacker's copy), and more events."""
    iam = iam_client(server)
    iam.create_user(UserName="alice")
    old_head = head_row(server)
    for name in ("bob", "carol", "dave"):
        iam.create_user(UserName=name)
    return old_head


def test_a_rollback_after_an_interval_checkpoint_is_found(server: RunningServer, tmp_path: Path) -> None:
    old_head = write_events(server)
    latest = head_row(server)["seq"]
    deadline = time.monotonic() + 20
    while checkpointed_seq(server) < latest:
        assert time.monotonic() < deadline, "no checkpoint was written on the interval"
        time.sleep(0.2)
    path = server.data_dir / CHECKPOINT_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = next(c for c in checkpoints(server) if c["chain"] == server.account_id and c["seq"] == latest)
    assert record["account"] == server.account_id and record["time"].endswith("Z") and record["mac"]

    code, report, err = verify(server)
    assert code == 0 and report["status"] == "intact", err

    empty = tmp_path / "no-checkpoints.jsonl"
    empty.write_text("")
    roll_back(server, old_head)
    # What was broken: without checkpoints the rolled-back log is self-consistent and correctly signed.
    code, report, err = verify(server, "--checkpoints", str(empty))
    assert code == 0 and report["status"] == "intact", err

    code, report, err = verify(server)
    assert code == 1 and report["status"] == "rolled-back"
    problem = next(p for p in report["problems"] if p["kind"] == "rolled-back")
    assert problem["chain"] == server.account_id and problem["seq"] == old_head["seq"]
    assert f"chain {server.account_id}" in err and "rolled back" in err


def test_a_rollback_after_the_shutdown_checkpoint_is_found_with_a_copy_kept_elsewhere(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:  # the default interval (60 s): only the shutdown writes one here
        old_head = write_events(server)
        latest = head_row(server)["seq"]
        assert server.process is not None
        stop(server.process)
        assert checkpointed_seq(server) == latest
        copy = tmp_path / "elsewhere.jsonl"
        shutil.copy(server.data_dir / CHECKPOINT_FILE, copy)

        roll_back(server, old_head)
        # The attacker also rewrites the file in the data directory: only the copy kept elsewhere tells.
        (server.data_dir / CHECKPOINT_FILE).write_text("")
        code, report, err = verify(server)
        assert code == 0 and report["status"] == "intact", err
        code, report, err = verify(server, "--checkpoints", str(copy))
        assert code == 1 and report["status"] == "rolled-back", err


def test_a_rewritten_event_at_a_checkpoint_and_a_forged_line_are_reported(server: RunningServer) -> None:
    write_events(server)
    assert server.process is not None
    stop(server.process)
    cut = checkpointed_seq(server)
    assert cut > 0
    path = server.data_dir / CHECKPOINT_FILE
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"seq": 999}
    path.write_text("\n".join([*lines, json.dumps(forged), "not json"]) + "\n")
    code, report, _ = verify(server)
    assert code == 1 and report["status"] == "broken"
    assert sorted(p["kind"] for p in report["problems"]) == ["checkpoint", "checkpoint"]


def test_a_missing_named_checkpoint_file_is_a_clear_error(server: RunningServer, tmp_path: Path) -> None:
    done = twostep(
        "audit", "verify", "--data-dir", str(server.data_dir), "--checkpoints", str(tmp_path / "nope"), env=server.env
    )
    assert done.returncode == 2 and "no such file" in done.stderr


def test_serve_refuses_a_bad_interval(server: RunningServer) -> None:
    done = twostep("serve", "--data-dir", str(server.data_dir), "--audit-checkpoint-interval", "0", env=server.env)
    assert done.returncode == 2 and "--audit-checkpoint-interval" in done.stderr
    bad_env = {**server.env, "TWOSTEP_AUDIT_CHECKPOINT_INTERVAL": "soon"}
    done = twostep("serve", "--data-dir", str(server.data_dir), env=bad_env)
    assert done.returncode == 2 and "could not convert" in done.stderr
