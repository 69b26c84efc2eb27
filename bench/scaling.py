"""Scaling (issue 17, item 5): do more server processes mean more sign-ins on PostgreSQL?

Two calls, each at `--scaling-concurrency` connections (16), `--duration` seconds per cell:
- STS GetSessionToken with a valid single-use code (requests SigV4-signed before the clock starts);
- the console's MFA step (POST /signin/mfa with password step done untimed beforehand: beyond the hash).

Each is measured on PostgreSQL with 1, 2 and 4 server processes (`--scaling-workers`), on SQLite with one, and,
for GetSessionToken, on moto (which checks nothing), all in one run, in four scenarios:
- one account (every user in the account `twostep init` made) or many (`--scaling-accounts`, users spread evenly);
- one client address or many: servers run with `--trusted-proxy 127.0.0.1/32` and each request carries an
  `X-Forwarded-For` (one fixed address, or a distinct one per request; unsigned, so it is added after signing).

Ratios: against 1 process of the same engine and scenario, against SQLite and against moto. Each cell also says
where the CPU went (bench/cpu.py): the milliseconds of CPU per answered request of the server's processes, of
PostgreSQL's and of the load generator, and how busy the whole machine was (100%: every core).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

from bench import console_step, cpu, peers
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
from bench.sts import STS_VERSION, issued, moto_sts_request

SCENARIOS = [(accounts, addresses) for accounts in ("one", "many") for addresses in ("one", "many")]
ONE_ADDRESS = "198.51.100.7"


def address_of(index: int) -> str:
    """A distinct address per index (10.0.0.0/8 holds 16 million)."""
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


def with_address(request: bytes, address: str) -> bytes:
    """Add X-Forwarded-For after the request line (not a signed header: SigV4 ignores it)."""
    line_end = request.index(b"\r\n") + 2
    return request[:line_end] + f"X-Forwarded-For: {address}\r\n".encode() + request[line_end:]


class AddressedSupply:
    """A supply of requests with an X-Forwarded-For each: one address for all, or a new one per request."""

    def __init__(self, source: Callable[[], bytes | None], many: bool) -> None:
        self.source = source
        self.many = many
        self.counter = itertools.count(1)

    def __call__(self) -> bytes | None:
        request = self.source()
        if request is None:
            return None
        return with_address(request, address_of(next(self.counter)) if self.many else ONE_ADDRESS)


def fresh_step_if_short(pool: StepPool, duration: float, needed: int) -> None:
    """Start in a new 30-second step when this one has too few unspent codes or too little time left."""
    pool.prepare()
    if pool.remaining() < needed or pool.seconds_left_in_step() < duration + 1:
        time.sleep(pool.seconds_left_in_step() + 0.05)
        pool.prepare()


def measured_load(server_pid: int | None, port: int, supply: Callable[[], bytes | None], **load: Any) -> LoadResult:
    """run_load, with the CPU each side spent meanwhile."""
    with cpu.measured(server_pid) as use:
        result = run_load(port, supply, **load)
    result.cpu = use[0] if use else None
    return result


def sts_cell(port: int, pid: int | None, pool: StepPool, many_addresses: bool, args: argparse.Namespace) -> LoadResult:
    wait_until_quiet(timeout=args.quiet_timeout)
    needed = min(pool.count, max(50, pool.count // 2))
    fresh_step_if_short(pool, args.duration, needed)
    supply = AddressedSupply(pool, many_addresses)
    warmup = min(50, pool.count // 10)
    run_load(port, supply, concurrency=args.scaling_concurrency, duration=0.5, max_requests=warmup, ok=issued)
    return measured_load(
        pid,
        port,
        supply,
        concurrency=args.scaling_concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok=issued,
    )


def console_cell(
    port: int, pid: int | None, users: list[console_step.ConsoleUser], many_addresses: bool, args: argparse.Namespace
) -> LoadResult:
    chosen = console_step.pick(users, args.scaling_console_signins)
    if not many_addresses:
        pending = console_step.prepare(port, chosen, lambda _i: ONE_ADDRESS)
    else:
        pending = console_step.prepare(port, chosen, address_of)
    if len(pending) < len(chosen):
        print(f"  ! console: {len(chosen) - len(pending)} password steps did not reach the code step", flush=True)
    wait_until_quiet(timeout=args.quiet_timeout)
    return measured_load(
        pid,
        port,
        console_step.supply(port, pending),
        concurrency=args.scaling_concurrency,
        duration=args.duration,
        max_requests=args.max_requests,
        ok=console_step.signed_in,
    )


def populations(instance: Twostep, args: argparse.Namespace) -> dict[str, Any]:
    """For each scenario of accounts: GetSessionToken users (pools) and console users."""
    services = instance.services()
    accounts = [instance.account_id]
    for k in range(args.scaling_accounts - 1):
        account, _root = services.identity.create_account(f"bench{k}@example.com", console_step.PASSWORD + " root")
        accounts.append(account.id)
    print(f"  twostep/{instance.engine_name}: enrolling users in 1 and {len(accounts)} accounts ...", flush=True)
    one = enrol(services, instance.account_id, args.scaling_users, prefix="one")
    many: list[Enrolled] = []
    for k, account_id in enumerate(accounts):
        share = args.scaling_users // len(accounts) + (1 if k < args.scaling_users % len(accounts) else 0)
        many += enrol(services, account_id, share, prefix=f"m{k}-", progress=False)
    signins = 2 * args.scaling_console_signins  # two cells' worth per step
    console = {
        "one": console_step.make_users(services, [instance.account_id], signins, "c1-"),
        "many": console_step.make_users(services, accounts, signins, "cm-"),
    }
    services.close()
    return {"sts": {"one": one, "many": many}, "console": console}


def measure_twostep(engine: str, workers: list[int], args: argparse.Namespace) -> dict[tuple[Any, ...], LoadResult]:
    results: dict[tuple[Any, ...], LoadResult] = {}
    with twostep_instance(f"scaling-{engine}", engine) as instance:
        people = populations(instance, args)
        for count in workers:
            instance.start(
                workers=count,
                extra_args=["--trusted-proxy", "127.0.0.1/32"],
                env={"TWOSTEP_SIGNIN_ANSWER_FLOOR": "0"},
            )
            port = instance.port
            pid = instance.process.pid if instance.process else None
            try:
                pools = {
                    name: StepPool(
                        len(users), lambda i, step, users=users, port=port: sts_request(port, users[i], step)
                    )
                    for name, users in people["sts"].items()
                }
                for accounts, addresses in SCENARIOS:
                    label = f"{instance.engine_name} x{count} {accounts} account(s) {addresses} address(es)"
                    result = sts_cell(port, pid, pools[accounts], addresses == "many", args)
                    results[("sts", engine, count, accounts, addresses)] = result
                    report(f"GetSessionToken {label}", result)
                    result = console_cell(port, pid, people["console"][accounts], addresses == "many", args)
                    results[("console", engine, count, accounts, addresses)] = result
                    report(f"console MFA step {label}", result)
            finally:
                instance.stop()
    return results


def sts_request(port: int, user: Enrolled, step: int) -> bytes:
    params = {"Action": "GetSessionToken", "Version": STS_VERSION, "SerialNumber": user.serial}
    params["TokenCode"] = user.code(step)
    return signed_query_request(port, "sts", params, user.key_id, user.secret)


def report(label: str, result: LoadResult) -> None:
    print(f"  {label}: {result.ok} ok, {result.rate:.0f}/s, p50 {result.p(50):.1f} ms", flush=True)
    if result.failures:
        print(f"  ! {label}: {result.failures} failed, first: {result.first_failure}", flush=True)


def measure_moto(args: argparse.Namespace) -> LoadResult:
    with peers.moto_process() as (port, pid):
        request = moto_sts_request(port)
        wait_until_quiet(timeout=args.quiet_timeout)
        supply = AddressedSupply(lambda: request, many=False)
        run_load(port, supply, concurrency=args.scaling_concurrency, duration=0.5, max_requests=50, ok=issued)
        return measured_load(
            pid,
            port,
            supply,
            concurrency=args.scaling_concurrency,
            duration=args.duration,
            max_requests=args.max_requests,
            ok=issued,
        )


def cpu_columns(result: LoadResult) -> list[str]:
    use = result.cpu
    if use is None:
        return ["-"] * 4
    server, postgres, client = use.per_request_ms(result.ok)
    return [f"{server:.2f}", f"{postgres:.2f}", f"{client:.2f}", f"{100 * use.machine_busy:.0f}%"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    workers = [int(w) for w in args.scaling_workers.split(",") if w.strip()]
    results: dict[tuple[Any, ...], LoadResult] = {}
    if "postgresql" in args.engines:
        results.update(measure_twostep("postgresql", workers, args))
    if "sqlite" in args.engines:
        results.update(measure_twostep("sqlite", [1], args))
    moto = None if args.no_peers else measure_moto(args)
    for call, title in (("sts", "GetSessionToken with a valid code"), ("console", "Console MFA step (code only)")):
        rows = []
        order = {"postgresql": 0, "sqlite": 1, "one": 0, "many": 1}
        keys = sorted((k for k in results if k[0] == call), key=lambda k: (order[k[1]], k[2], order[k[3]], order[k[4]]))
        for key in keys:
            _call, engine, count, accounts, addresses = key
            result = results[key]
            base = results.get((call, engine, 1, accounts, addresses))
            lite = results.get((call, "sqlite", 1, accounts, addresses))
            row = [f"twostep {engine}", count, accounts, addresses, result.ok, f"{result.rate:.0f}"]
            row += [f"{result.p(50):.1f}", f"{result.p(99):.1f}", ratio(result.rate, base.rate) if base else "-"]
            row += [ratio(result.rate, lite.rate) if lite else "-"]
            if call == "sts":
                row.append(ratio(result.rate, moto.rate) if moto else "-")
            rows.append(row + cpu_columns(result))
        header = ["server", "procs", "accounts", "addresses", "ok", "req/s", "p50 ms", "p99 ms", "vs 1 proc"]
        header.append("vs SQLite")
        if call == "sts":
            header.append("vs moto")
            if moto:
                rows.append(["moto (no check)", 1, "-", "-", moto.ok, f"{moto.rate:.0f}", f"{moto.p(50):.1f}",
                             f"{moto.p(99):.1f}", "-", "-", "1.0x", *cpu_columns(moto)])  # fmt: skip
        header += ["server CPU ms/req", "PostgreSQL CPU ms/req", "client CPU ms/req", "machine busy"]
        print_table(f"{title}, concurrency {args.scaling_concurrency}, {args.duration:g} s per cell", header, rows)
    return {"results": results, "moto": moto}
