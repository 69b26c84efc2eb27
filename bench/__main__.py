"""`python -m bench [totp sts iam_reads scale signin memory tokens scaling]`: run the named benchmarks (all by
default) and print their tables, each with the peers measured in the same run (docs/performance.md has the numbers
and how to read them). Peers are installed into bench/.peers on first use."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench.common import machine_summary

BENCHMARKS = ("totp", "sts", "iam_reads", "scale", "signin", "memory", "tokens", "scaling")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], metavar="NAME", help=" ".join(BENCHMARKS))
    parser.add_argument("--engines", default="sqlite,postgresql", help="twostep's databases (default both)")
    parser.add_argument("--no-peers", action="store_true", help="measure twostep alone")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load measurement (default 5)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per load measurement")
    parser.add_argument("--sts-users", type=int, default=5000, help="users enrolled per engine for STS (default 5000)")
    parser.add_argument("--pi-tokens", type=int, default=400, help="privacyIDEA tokens enrolled (default 400)")
    parser.add_argument("--listings", type=int, default=20, help="full paged listings timed (default 20)")
    parser.add_argument("--scale-max", type=int, default=1_000_000, help="largest population (default 1,000,000)")
    parser.add_argument(
        "--scale-requests",
        type=int,
        default=600,
        help="GetSessionToken calls per size (a quarter of them untimed, warming up)",
    )
    parser.add_argument("--scale-pages", type=int, default=50, help="pages timed per size")
    parser.add_argument("--signin-users", type=int, default=100, help="console sign-ins timed per engine")
    parser.add_argument("--memory-users", type=int, default=3000, help="users enrolled for the memory run")
    parser.add_argument("--totp-count", type=int, default=100_000, help="verifications per TOTP run")
    parser.add_argument("--repeats", type=int, default=5, help="TOTP runs (the best counts)")
    parser.add_argument("--tokens", type=int, default=100_000, help="hardware tokens per seed-file import")
    parser.add_argument("--scaling-workers", default="1,2,4", help="PostgreSQL server processes to compare")
    parser.add_argument(
        "--scaling-users", type=int, default=3000, help="GetSessionToken users per scenario and engine (default 3000)"
    )
    parser.add_argument("--scaling-accounts", type=int, default=50, help="accounts of the many-accounts scenario")
    parser.add_argument(
        "--scaling-console-signins", type=int, default=200, help="console sign-ins prepared per cell (default 200)"
    )
    parser.add_argument(
        "--quiet-timeout", type=float, default=60.0, help="scaling: seconds to wait for a quiet machine per cell"
    )
    parser.add_argument("--scaling-concurrency", type=int, default=16, help="connections per cell (default 16)")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    names = args.names or list(BENCHMARKS)
    machine = machine_summary()
    print("## Machine\n")
    for key, value in machine.items():
        print(f"- {key}: {value}")
    print(flush=True)
    for name in names:
        started = time.monotonic()
        print(f"\n## {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.run(args)
        print(f"({name}: {time.monotonic() - started:.0f} s; load average now {machine_summary()['load']})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
