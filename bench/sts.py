"""An MFA-checking API call end to end: STS GetSessionToken with a valid code, at concurrency 1 and 16.

twostep (one `twostep serve` process) on SQLite and on PostgreSQL, against, in the same run:
- moto's server answering GetSessionToken (it checks no code and no signature: the cost of the wire alone);
- privacyIDEA 3.14's /validate/check with valid TOTP codes (SQLite, gunicorn with 2 workers, the issue's recipe).

Codes are single-use everywhere, so each request carries the code of a device that has not spent that 30-second
step yet (bench.common.StepPool); only answers that issued credentials (or said "value": true) are counted.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench import peers
from bench.common import (
    LoadResult,
    StepPool,
    Twostep,
    print_table,
    ratio,
    run_load,
    signed_query_request,
    twostep_instance,
    wait_until_quiet,
)
from bench.enrol import Enrolled, enrol

CONCURRENCY = (1, 16)
STS_VERSION = "2011-06-15"


def sts_request(port: int, user: Enrolled, step: int) -> bytes:
    params = {
        "Action": "GetSessionToken",
        "Version": STS_VERSION,
        "SerialNumber": user.serial,
        "TokenCode": user.code(step),
    }
    return signed_query_request(port, "sts", params, user.key_id, user.secret)


def issued(status: int, body: bytes) -> bool:
    return status == 200 and b"<SessionToken>" in body


def measure(
    port: int, pool: StepPool, concurrency: int, duration: float, max_requests: int, ok: Any, warmup: int = 200
) -> LoadResult:
    """Warm up, then measure; starts in a fresh 30-second step when this one has spent most of its codes (or
    has less than the measurement's time left), so that the supply of unspent codes lasts."""
    pool.prepare()
    run_load(port, pool, concurrency=concurrency, duration=1.0, max_requests=warmup, ok=ok)
    if pool.remaining() < 0.8 * pool.count or pool.seconds_left_in_step() < duration + 2:
        time.sleep(pool.seconds_left_in_step() + 0.05)
    pool.prepare()
    return run_load(port, pool, concurrency=concurrency, duration=duration, max_requests=max_requests, ok=ok)


def twostep_sts(engine: str, users: int, duration: float, max_requests: int, workers: int = 1) -> dict[int, LoadResult]:
    with twostep_instance(f"sts-{engine}", engine) as instance:
        services = instance.services()
        print(f"  twostep/{instance.engine_name}: enrolling {users} users with devices ...", flush=True)
        enrolled = enrol(services, instance.account_id, users)
        services.close()
        instance.start(workers=workers)
        return _measure_twostep(instance, enrolled, duration, max_requests)


def _measure_twostep(
    instance: Twostep, enrolled: list[Enrolled], duration: float, max_requests: int
) -> dict[int, LoadResult]:
    port = instance.port
    pool = StepPool(len(enrolled), lambda i, step: sts_request(port, enrolled[i], step))
    results = {}
    for concurrency in CONCURRENCY:
        wait_until_quiet()
        results[concurrency] = measure(port, pool, concurrency, duration, max_requests, issued)
        _report_failures(f"twostep/{instance.engine_name} c={concurrency}", results[concurrency])
    return results


def _report_failures(label: str, result: LoadResult) -> None:
    if result.failures:
        print(f"  ! {label}: {result.failures} failed, first: {result.first_failure}", flush=True)


def moto_sts_request(port: int) -> bytes:
    """moto answers any GetSessionToken (it checks no code, no signature): one request, sent again and again."""
    return signed_query_request(
        port,
        "sts",
        {
            "Action": "GetSessionToken",
            "Version": STS_VERSION,
            "SerialNumber": "arn:aws:iam::123456789012:mfa/x",
            "TokenCode": "123456",
        },
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )


def moto_sts(duration: float, max_requests: int) -> dict[int, LoadResult]:
    with peers.moto_server() as port:
        request = moto_sts_request(port)
        results = {}
        for concurrency in CONCURRENCY:
            wait_until_quiet()
            run_load(port, lambda: request, concurrency=concurrency, duration=1.0, max_requests=50, ok=issued)
            results[concurrency] = run_load(
                port, lambda: request, concurrency=concurrency, duration=duration, max_requests=max_requests, ok=issued
            )
            _report_failures(f"moto c={concurrency}", results[concurrency])
        return results


def privacyidea_check(tokens: int, duration: float, max_requests: int) -> dict[int, LoadResult]:
    with peers.privacyidea_server(tokens) as (port, enrolled):
        pool = StepPool(len(enrolled), lambda i, step: peers.privacyidea_request(port, enrolled[i], step))
        results = {}
        for concurrency in CONCURRENCY:
            wait_until_quiet()
            results[concurrency] = measure(port, pool, concurrency, duration, max_requests, peers.privacyidea_ok)
            _report_failures(f"privacyIDEA c={concurrency}", results[concurrency])
        return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    duration, cap = args.duration, args.max_requests
    rows: dict[str, dict[int, LoadResult]] = {}
    for engine in args.engines:
        rows[f"twostep {engine}"] = twostep_sts(engine, args.sts_users, duration, cap)
    if not args.no_peers:
        rows["moto (no check)"] = moto_sts(duration, cap)
        rows["privacyIDEA 3.14"] = privacyidea_check(args.pi_tokens, duration, cap)
    table = []
    moto, pi = rows.get("moto (no check)"), rows.get("privacyIDEA 3.14")
    for name, cells in rows.items():
        for concurrency, result in cells.items():
            vs_moto = ratio(result.rate, moto[concurrency].rate) if moto else "-"
            vs_pi = ratio(result.rate, pi[concurrency].rate) if pi else "-"
            table.append(
                [
                    name,
                    concurrency,
                    result.ok,
                    f"{result.rate:.0f}",
                    f"{result.p(50):.1f}",
                    f"{result.p(99):.1f}",
                    vs_moto,
                    vs_pi,
                ]
            )
    print_table(
        "STS GetSessionToken with a valid code (successes only)",
        ["server", "conc.", "ok", "req/s", "p50 ms", "p99 ms", "vs moto", "vs privacyIDEA"],
        table,
    )
    return {"rows": rows}
