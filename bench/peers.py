"""The peers, installed into their own virtualenv (bench/.peers, gitignored) on first use so that they never touch
twostep's: moto's server and privacyIDEA 3.14 served by gunicorn (the issue's recipe)."""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    BENCH_DIR,
    HOST,
    WORK_DIR,
    free_port,
    raw_request,
    run_load,
    stop_process,
    wait_for_port,
)

PEERS = BENCH_DIR / ".peers"
PEER_PACKAGES = ("moto[server]==5.*", "privacyidea==3.14", "gunicorn")
PI_ADMIN_PASSWORD = "bench-" + secrets.token_hex(8)


def peer_bin(name: str) -> Path:
    return PEERS / "bin" / name


def ensure_peers() -> None:
    """Create bench/.peers with moto and privacyIDEA the first time (a few minutes); later runs reuse it."""
    if peer_bin("moto_server").exists() and peer_bin("pi-manage").exists() and peer_bin("gunicorn").exists():
        return
    print("  installing the peers into bench/.peers (first run only) ...", flush=True)
    if not (PEERS / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS)], check=True)
    pip = [str(peer_bin("python")), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *PEER_PACKAGES], check=True)


def peer_version(distribution: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    done = subprocess.run([str(peer_bin("python")), "-c", code], capture_output=True, text=True)
    return done.stdout.strip() or "?"


# -- moto ---------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def moto_process() -> Iterator[tuple[int, int]]:
    """moto_server on a free port: (port, pid)."""
    ensure_peers()
    port = free_port()
    process = subprocess.Popen(
        [str(peer_bin("moto_server")), "-H", HOST, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield port, process.pid
    finally:
        stop_process(process)


@contextlib.contextmanager
def moto_server() -> Iterator[int]:
    with moto_process() as (port, _pid):
        yield port


# -- privacyIDEA --------------------------------------------------------------------------------------------------

PI_CONFIG = """\
SQLALCHEMY_DATABASE_URI = 'sqlite:///{dir}/pi.sqlite'
SECRET_KEY = '{secret}'
PI_PEPPER = '{pepper}'
PI_ENCFILE = '{dir}/enckey'
PI_AUDIT_KEY_PRIVATE = '{dir}/private.pem'
PI_AUDIT_KEY_PUBLIC = '{dir}/public.pem'
PI_AUDIT_SQL_TRUNCATE = True
SUPERUSER_REALM = ['superuser']
PI_LOGFILE = '{dir}/privacyidea.log'
PI_LOGLEVEL = 30
"""

PI_WSGI = """\
from privacyidea.app import create_app

application = create_app(config_name="production", config_file="{dir}/pi.cfg", silent=True)
"""


@dataclass(frozen=True)
class PiToken:
    serial: str
    seed: bytes

    def code(self, step: int) -> str:
        from twostep.otp import totp_at_step

        return totp_at_step(self.seed, step)


def _pi_manage(directory: Path, *args: str) -> None:
    env = {"PRIVACYIDEA_CONFIGFILE": str(directory / "pi.cfg"), "PATH": str(PEERS / "bin") + ":/usr/bin:/bin"}
    done = subprocess.run([str(peer_bin("pi-manage")), *args], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"pi-manage {' '.join(args)}: {done.stderr[-2000:]}")


def _call(port: int, request: bytes) -> tuple[int, bytes]:
    answers: list[tuple[int, bytes]] = []

    def keep(status: int, body: bytes) -> bool:
        answers.append((status, body))
        return True

    sent = [request]
    run_load(port, lambda: sent.pop() if sent else None, concurrency=1, duration=60, max_requests=1, ok=keep)
    return answers[0]


@contextlib.contextmanager
def privacyidea_server(tokens: int, workers: int = 2) -> Iterator[tuple[int, list[PiToken]]]:
    """privacyIDEA on SQLite under gunicorn, with `tokens` TOTP tokens enrolled through its API."""
    ensure_peers()
    directory = WORK_DIR / f"privacyidea-{secrets.token_hex(3)}"
    directory.mkdir(parents=True)
    (directory / "pi.cfg").write_text(
        PI_CONFIG.format(dir=directory, secret=secrets.token_hex(24), pepper=secrets.token_hex(24))
    )
    (directory / "pi_wsgi.py").write_text(PI_WSGI.format(dir=directory))
    for step in (("setup", "create_enckey"), ("setup", "create_audit_keys"), ("setup", "create_tables")):
        _pi_manage(directory, *step)
    _pi_manage(directory, "admin", "add", "admin", "-p", PI_ADMIN_PASSWORD)
    port = free_port()
    command = [str(peer_bin("gunicorn")), "-w", str(workers), "-b", f"{HOST}:{port}", "--no-control-socket"]
    command += ["--chdir", str(directory), "--log-level", "warning", "pi_wsgi:application"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        status, body = _call(port, form_auth(port))
        if status != 200:
            raise RuntimeError(f"privacyIDEA /auth: {status} {body[:300]!r}")
        token = json.loads(body)["result"]["value"]["token"]
        print(f"  privacyIDEA: enrolling {tokens} TOTP tokens through /token/init ...", flush=True)
        made = _enrol_pi_tokens(port, token, tokens)
        yield port, made
    finally:
        stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


def form_auth(port: int) -> bytes:
    from urllib.parse import urlencode

    body = urlencode({"username": "admin", "password": PI_ADMIN_PASSWORD}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return raw_request("POST", "/auth", f"{HOST}:{port}", headers, body)


def _enrol_pi_tokens(port: int, auth_token: str, count: int) -> list[PiToken]:
    from urllib.parse import urlencode

    made = [PiToken(f"TOTPBENCH{i:06d}", secrets.token_bytes(20)) for i in range(count)]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth_token}
    requests = [
        raw_request(
            "POST",
            "/token/init",
            f"{HOST}:{port}",
            headers,
            urlencode(
                {
                    "type": "totp",
                    "otpkey": t.seed.hex(),
                    "genkey": "0",
                    "serial": t.serial,
                    "otplen": "6",
                    "hashlib": "sha1",
                    "timeStep": "30",
                }
            ).encode(),
        )
        for t in made
    ]
    supply = iter(requests)
    failures: list[str] = []

    def ok(status: int, body: bytes) -> bool:
        good = status == 200 and b'"status": true' in body.replace(b'"status":true', b'"status": true')
        if not good:
            failures.append(f"{status} {body[:200]!r}")
        return good

    started = time.monotonic()
    result = run_load(port, lambda: next(supply, None), concurrency=2, duration=600, max_requests=count, ok=ok)
    if result.ok != count:
        raise RuntimeError(f"privacyIDEA enrolled {result.ok}/{count}: {failures[:1]}")
    print(f"  privacyIDEA: {count} tokens in {time.monotonic() - started:.0f} s", flush=True)
    return made


def privacyidea_request(port: int, token: PiToken, step: int) -> bytes:
    from urllib.parse import urlencode

    body = urlencode({"serial": token.serial, "pass": token.code(step)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return raw_request("POST", "/validate/check", f"{HOST}:{port}", headers, body)


def privacyidea_ok(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    try:
        return json.loads(body)["result"]["value"] is True
    except (ValueError, KeyError, TypeError):
        return False
