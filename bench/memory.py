"""Memory: the resident set (VmRSS) of one `twostep serve` process, idle and under load (STS GetSessionToken at
concurrency 16 on SQLite), beside moto's server under the same kind of load."""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

from bench import peers
from bench.common import StepPool, print_table, rss_kib, run_load, signed_query_request, twostep_instance
from bench.enrol import enrol
from bench.sts import STS_VERSION, issued, sts_request


def _peak_during(pid: int, action: Any) -> tuple[int, Any]:
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = action()
    finally:
        done.set()
        sampler.join()
    return peak[0], result


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows = []
    with twostep_instance("memory", "sqlite") as instance:
        services = instance.services()
        enrolled = enrol(services, instance.account_id, args.memory_users, progress=False)
        services.close()
        instance.start()
        assert instance.process is not None
        pid = instance.process.pid
        time.sleep(1)
        started = rss_kib(pid)
        pool = StepPool(len(enrolled), lambda i, step: sts_request(instance.port, enrolled[i], step))
        pool.prepare()
        run_load(instance.port, pool, concurrency=1, duration=1, max_requests=20, ok=issued)
        time.sleep(1)
        idle = rss_kib(pid)
        if pool.remaining() < 0.8 * pool.count:
            time.sleep(pool.seconds_left_in_step() + 0.05)
        pool.prepare()
        peak, result = _peak_during(
            pid,
            lambda: run_load(
                instance.port, pool, concurrency=16, duration=args.duration, max_requests=10**6, ok=issued
            ),
        )
        time.sleep(1)
        after = rss_kib(pid)
        rows.append(["twostep (SQLite)", started // 1024, idle // 1024, peak // 1024, after // 1024, result.ok])
    if not args.no_peers:
        with peers.moto_process() as (port, moto_pid):
            request = signed_query_request(
                port, "sts", {"Action": "GetSessionToken", "Version": STS_VERSION}, "AKIAIOSFODNN7EXAMPLE", "x" * 40
            )
            started = rss_kib(moto_pid)
            run_load(port, lambda: request, concurrency=1, duration=1, max_requests=20, ok=issued)
            idle = rss_kib(moto_pid)
            peak, result = _peak_during(
                moto_pid,
                lambda: run_load(
                    port, lambda: request, concurrency=16, duration=args.duration, max_requests=10**6, ok=issued
                ),
            )
            after = rss_kib(moto_pid)
            rows.append(["moto_server", started // 1024, idle // 1024, peak // 1024, after // 1024, result.ok])
    print_table(
        "Resident memory of one serving process (MiB)",
        ["server", "after start", "idle (warmed up)", "peak under load (c=16)", "after load", "requests served"],
        rows,
    )
    return {"rows": rows}
