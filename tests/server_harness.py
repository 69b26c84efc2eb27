"""Starting the real server (`twostep init` + `twostep serve`) on a free port, as a user would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.databases import database_under_test
from twostep import bootstrap
from twostep.clock import OffsetFileClock
from twostep.settings import Settings

ROOT_PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def twostep(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twostep.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    account_id: str
    root_email: str
    root_password: str
    admin: dict[str, str]
    clock_offset_file: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def move_clock(self, seconds: float) -> None:
        """Shift the server's clock (TWOSTEP_TEST_CLOCK_OFFSET_FILE) by this many more seconds."""
        current = float(self.clock_offset_file.read_text() or 0)
        self.clock_offset_file.write_text(str(current + seconds))

    @property
    def clock_offset(self) -> float:
        return float(self.clock_offset_file.read_text() or 0)

    def now(self) -> float:
        """The server's idea of the current time."""
        return time.time() + self.clock_offset

    @property
    def settings(self) -> Settings:
        """The server's settings, as its own process reads them (database URL and test clock included)."""
        return Settings.from_environment(self.data_dir, self.env.get("TWOSTEP_DATABASE_URL"))

    @contextmanager
    def services(self) -> Iterator[bootstrap.Services]:
        """The server's own services over its database: to look at it the way an operator would."""
        services = bootstrap.build(self.settings, clock=OffsetFileClock(self.clock_offset_file))
        try:
            yield services
        finally:
            services.close()


# A server starts in about a second; on a CI machine shared with Chromium and another server pass, one once took
# longer than 30 s to answer /healthz (four tests of a module then failed in setup, and passed alone).
HEALTHY_WITHIN = 90.0


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = HEALTHY_WITHIN) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy")


def server_environment(tmp: Path, database_url: str | None, extra_env: dict[str, str] | None) -> dict[str, str]:
    clock_file = tmp / "clock-offset"
    if not clock_file.exists():
        clock_file.write_text("0")
    env = {
        "TWOSTEP_TEST_CLOCK_OFFSET_FILE": str(clock_file),
        "TWOSTEP_MFA_BASE_DELAY": "0",  # tests that measure delays set their own
        "TWOSTEP_SIGNIN_ANSWER_FLOOR": "0",  # likewise the sign-in answer floor (S13): see tests/console/test_timing.py
        **(extra_env or {}),
    }
    if database_url:
        env["TWOSTEP_DATABASE_URL"] = database_url
    return env


def init_data_dir(data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    init = twostep(
        "init",
        "--data-dir",
        str(data_dir),
        "--email",
        "root@example.com",
        "--password-stdin",
        "--admin-user",
        "admin",
        stdin=ROOT_PASSWORD + "\n",
        env=env,
    )
    assert init.returncode == 0, init.stderr
    created: dict[str, Any] = json.loads(init.stdout)
    return created


def start_server(data_dir: Path, env: dict[str, str], workers: int = 1) -> tuple[str, subprocess.Popen[bytes]]:
    """One more `twostep serve` on the data directory (several may share one PostgreSQL database)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twostep.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
    except BaseException:
        stop(process)
        raise
    return url, process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_server(
    tmp: Path,
    *,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    workers: int = 1,
) -> Iterator[RunningServer]:
    data_dir = tmp / "data"
    with ExitStack() as cleanup:
        if database_url is None:
            database_url = cleanup.enter_context(database_under_test(tmp))
        env = server_environment(tmp, database_url, extra_env)
        created = init_data_dir(data_dir, env)
        url, process = start_server(data_dir, env, workers)
        cleanup.callback(stop, process)
        yield RunningServer(
            url=url,
            data_dir=data_dir,
            account_id=created["account_id"],
            root_email=created["root_email"],
            root_password=ROOT_PASSWORD,
            admin=created.get("admin", {}),
            clock_offset_file=tmp / "clock-offset",
            env=env,
            process=process,
        )
