"""What every benchmark shares: the machine, tables, servers started as a user would, and the load generator.

The load generator is a small asyncio HTTP/1.1 client over raw sockets: each request is built (and SigV4-signed with
botocore) *before* the clock starts, so the client spends a few microseconds per request and the two cores go to the
servers being measured. Every loop is bounded in count and in time, and traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WORK_DIR = BENCH_DIR / ".work"  # data directories of the servers a run starts (gitignored with .peers)
PG_ADMIN_URL = os.environ.get("TWOSTEP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"
ROOT_PASSWORD = "correct horse battery staple"
REGION = "us-east-1"


# -- the machine --------------------------------------------------------------------------------------------------


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_until_quiet(limit: float = 0.8, timeout: float = 60.0) -> float:
    """Wait (bounded) for the 1-minute load average to fall below `limit` cores; warn if it never does."""
    deadline = time.monotonic() + timeout
    load = load_average()
    while load > limit and time.monotonic() < deadline:
        time.sleep(2)
        load = load_average()
    if load > limit:
        print(f"  ! the machine is busy (load {load:.2f}); numbers may be low for every column alike", flush=True)
    return load


def machine_summary() -> dict[str, str]:
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = "?"
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as conn:
            row = conn.execute("show server_version").fetchone()
            pg = str(row[0]) if row else "?"
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "load": f"{load_average():.2f}",
    }


# -- numbers and tables -------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def ratio(ours: float, theirs: float) -> str:
    if not theirs or theirs != theirs or ours != ours:
        return "-"
    return f"{ours / theirs:.1f}x"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (so it can go into docs/performance.md as printed)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(f"\n### {title}\n", flush=True)
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    print(flush=True)


# -- processes ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0, path: str = "/") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def rss_kib(pid: int) -> int:
    """Resident set size of one process (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- PostgreSQL ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database(prefix: str = "twostep_bench") -> Iterator[str]:
    """A fresh database for one run, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- twostep, started as a user would -----------------------------------------------------------------------------


def twostep_env(database_url: str | None) -> dict[str, str]:
    env = {**os.environ}
    env.pop("TWOSTEP_TEST_CLOCK_OFFSET_FILE", None)
    if database_url:
        env["TWOSTEP_DATABASE_URL"] = database_url
    else:
        env.pop("TWOSTEP_DATABASE_URL", None)
    return env


@dataclass
class Twostep:
    data_dir: Path
    database_url: str | None
    account_id: str
    admin_key: str
    admin_secret: str
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine_name(self) -> str:
        return "PostgreSQL" if self.database_url else "SQLite"

    def services(self) -> Any:
        from twostep import bootstrap
        from twostep.settings import Settings

        return bootstrap.build(Settings.from_environment(self.data_dir, self.database_url))

    def start(self, workers: int = 1, extra_args: Sequence[str] = (), env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "twostep.cli", "serve", "--data-dir", str(self.data_dir)]
        cmd += ["--port", str(self.port), "--workers", str(workers), *extra_args]
        self.process = subprocess.Popen(cmd, env={**twostep_env(self.database_url), **(env or {})})
        wait_for_port(self.port, self.process)
        if workers > 1:  # the port answers once the first worker listens; give the others their start-up
            time.sleep(2.0 * workers)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def init_twostep(name: str, database_url: str | None) -> Twostep:
    data_dir = WORK_DIR / f"{name}-{uuid.uuid4().hex[:6]}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "twostep.cli", "init", "--data-dir", str(data_dir), "--email", "root@example.com"]
    cmd += ["--password-stdin", "--admin-user", "admin"]
    done = subprocess.run(
        cmd, input=ROOT_PASSWORD + "\n", capture_output=True, text=True, env=twostep_env(database_url), timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    created = json.loads(done.stdout)
    admin = created["admin"]
    return Twostep(data_dir, database_url, created["account_id"], admin["access_key_id"], admin["secret_access_key"])


@contextlib.contextmanager
def twostep_instance(name: str, engine: str) -> Iterator[Twostep]:
    """A data directory (and, for PostgreSQL, a fresh database) initialised with `twostep init --admin-user`."""
    import shutil

    if engine == "postgresql":
        with postgres_database() as url:
            instance = init_twostep(name, url)
            try:
                yield instance
            finally:
                instance.stop()
                shutil.rmtree(instance.data_dir, ignore_errors=True)
    else:
        instance = init_twostep(name, None)
        try:
            yield instance
        finally:
            instance.stop()
            shutil.rmtree(instance.data_dir, ignore_errors=True)


# -- signing ------------------------------------------------------------------------------------------------------


def signed_query_request(
    port: int, service: str, params: dict[str, str], key_id: str, secret: str, token: str | None = None
) -> bytes:
    """A complete HTTP/1.1 request for the AWS query protocol, signed with botocore's SigV4Auth."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urlencode(params)
    host = f"{HOST}:{port}"
    request = AWSRequest(
        method="POST",
        url=f"http://{host}/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": host},
    )
    SigV4Auth(Credentials(key_id, secret, token), service, REGION).add_auth(request)
    return raw_request("POST", "/", host, dict(request.headers.items()), body.encode())


def raw_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "content-length")]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def form_request(port: int, path: str, form: dict[str, str], headers: dict[str, str] | None = None) -> bytes:
    body = urlencode(form).encode()
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return raw_request("POST", path, f"{HOST}:{port}", all_headers, body)


# -- the load generator -------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    concurrency: int
    elapsed: float
    ok_latencies: list[float]
    failures: int
    first_failure: str | None
    cpu: Any = None  # bench.cpu.CpuUse, where the caller measured it

    @property
    def ok(self) -> int:
        return len(self.ok_latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return percentile(self.ok_latencies, q) * 1000


class _Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            assert self.reader is not None
            try:
                self.writer.write(request)
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            status = int(head[9:12])
            length, close, location = -1, False, b""
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"connection" and value.strip().lower() == b"close":
                    close = True
                elif lowered == b"location":
                    location = value.strip()
            body = await self.reader.readexactly(length) if length >= 0 else await self.reader.read()
            if close or length < 0 or head.startswith(b"HTTP/1.0"):
                self.close()
            # A redirect's body is empty: its target stands in for it, so that `ok` can tell where it leads.
            return status, (body or b"Location: " + location if location else body)
        raise ConnectionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def run_load(
    port: int,
    next_request: Callable[[], bytes | None],
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    ok: Callable[[int, bytes], bool],
    warmup: int = 0,
) -> LoadResult:
    """`concurrency` keep-alive connections, each sending one request after another, until `duration` seconds,
    `max_requests` requests or the supply (`next_request` returns None) run out; only successes are timed."""

    async def main() -> LoadResult:
        latencies: list[float] = []
        failures = 0
        first_failure: str | None = None
        sent = 0
        connections = [_Connection(port) for _ in range(concurrency)]
        for connection in connections[:warmup]:
            warm = next_request()
            if warm is not None:
                await connection.exchange(warm)
        start = time.perf_counter()
        deadline = start + duration

        async def worker(connection: _Connection) -> None:
            nonlocal sent, failures, first_failure
            while sent < max_requests and time.perf_counter() < deadline:
                request = next_request()
                if request is None:
                    return
                sent += 1
                t0 = time.perf_counter()
                try:
                    status, body = await connection.exchange(request)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                    failures += 1
                    first_failure = first_failure or repr(exc)
                    connection.close()
                    continue
                took = time.perf_counter() - t0
                if ok(status, body):
                    latencies.append(took)
                else:
                    failures += 1
                    first_failure = first_failure or f"{status} {body[:300]!r}"

        await asyncio.gather(*(worker(c) for c in connections))
        elapsed = time.perf_counter() - start
        for connection in connections:
            connection.close()
        return LoadResult(concurrency, elapsed, latencies, failures, first_failure)

    return asyncio.run(main())


class StepPool:
    """Single-use codes, spread so that each is sent once: one request per (device, 30-second step).

    `build(index, step)` makes the request of device `index` carrying its code for `step`. Requests for the current
    and the next step are built before a measurement starts (`prepare`), so the client only pops them while timing.
    A device whose code was spent in a step is not used again in that step; when the step's supply runs out the
    measurement ends early (the tables say how many requests were counted).
    """

    def __init__(self, count: int, build: Callable[[int, int], bytes], period: int = 30) -> None:
        self.count = count
        self.build = build
        self.period = period
        self.built: dict[int, int] = {}
        self.ready: dict[int, collections.deque[bytes]] = {}

    def step(self) -> int:
        return int(time.time() // self.period)

    def prepare(self, upto: int | None = None) -> None:
        """Build (at most `upto` more) requests for the current and the next step."""
        now = self.step()
        for step in (now, now + 1):
            start = self.built.get(step, 0)
            end = self.count if upto is None else min(self.count, start + upto)
            self.ready.setdefault(step, collections.deque()).extend(self.build(i, step) for i in range(start, end))
            self.built[step] = max(start, end)
        for old in [s for s in self.ready if s < now]:
            del self.ready[old]

    def remaining(self) -> int:
        return len(self.ready.get(self.step(), ()))

    def __call__(self) -> bytes | None:
        queue = self.ready.get(self.step())
        return queue.popleft() if queue else None

    def seconds_left_in_step(self) -> float:
        return self.period - time.time() % self.period
