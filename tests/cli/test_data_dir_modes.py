"""The data directory is private (0700, files 0600) after init and serve, whatever the umask; wider modes warn."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server_harness import ROOT_PASSWORD, free_port, stop, wait_healthy

WIDE_UMASK = 0o022  # the usual default: files 0644, directories 0755


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twostep.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "TWOSTEP_DATABASE_URL"},  # the embedded default
        preexec_fn=lambda: os.umask(WIDE_UMASK),
    )


def modes(data_dir: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    found.update({p.name: stat.S_IMODE(p.stat().st_mode) for p in data_dir.iterdir()})
    return found


def test_init_and_serve_keep_the_data_directory_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init = run(
        "init",
        "--data-dir",
        str(data_dir),
        "--email",
        "root@example.com",
        "--password-stdin",
        stdin=ROOT_PASSWORD + "\n",
    )
    assert init.returncode == 0, init.stderr
    assert "warning" not in init.stderr
    after_init = modes(data_dir)
    assert after_init["."] == 0o700
    assert {"keys.json", "twostep.db"} <= after_init.keys()
    assert all(mode == 0o600 for name, mode in after_init.items() if name != "."), after_init

    # An operator (or a restore) widened them: serve says so and narrows them before it opens the database.
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "twostep.db", 0o644)
    port = free_port()
    with open(tmp_path / "serve.err", "w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "twostep.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)],
            env={k: v for k, v in os.environ.items() if k != "TWOSTEP_DATABASE_URL"},
            stderr=err,
            preexec_fn=lambda: os.umask(WIDE_UMASK),
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            # An API request with an unknown key: its lookup opens the database (and its -wal and -shm files).
            unknown = (
                "Authorization: AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN0000000000/20260101/us-east-1/iam/aws4_request"
            )
            headers = dict([unknown.split(": ", 1)])
            headers["Authorization"] += ", SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
            headers["X-Amz-Date"] = "20260101T000000Z"
            assert httpx.post(url + "/", content=b"Action=ListUsers", headers=headers).status_code == 403
            while_serving = modes(data_dir)  # the database is open: SQLite's -wal and -shm files exist now
        finally:
            stop(process)
        err.seek(0)
        warnings = err.read()
    assert "warning" in warnings and "twostep.db was mode 0644" in warnings and "was mode 0755" in warnings
    assert while_serving["."] == 0o700
    assert {"twostep.db-wal", "twostep.db-shm"} <= while_serving.keys(), while_serving
    assert all(mode == 0o600 for name, mode in while_serving.items() if name != "."), while_serving
