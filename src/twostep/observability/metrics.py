"""The Prometheus metrics of one server (prometheus_client), per process or, with several worker processes, in
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve` before the workers start).

Names (docs/deploy.md lists them with their labels):
- twostep_requests_total{kind, action, outcome} and twostep_request_duration_seconds{kind, action}
- twostep_code_checks_total{purpose, outcome}
- twostep_db_connections_in_use, twostep_db_pool_limit, twostep_db_transactions_total{outcome}
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from twostep.observability.metrics_dir import MULTIPROC_DIR

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Milliseconds matter here: a GetSessionToken takes ~1-5 ms, a console step with Argon2 ~20-300 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR))


def collecting_registry() -> CollectorRegistry:
    """What /metrics shows: every process's values in multiprocess mode, else this process's metrics."""
    if multiprocess():
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return METRICS.registry


class Metrics:
    def __init__(self) -> None:
        # In multiprocess mode values live in files and are collected from there: nothing is registered.
        self.registry = CollectorRegistry()
        registry = None if multiprocess() else self.registry
        self.requests = Counter(
            "twostep_requests",
            "Requests answered, by kind (api, console, other), action and outcome",
            ["kind", "action", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "twostep_request_duration_seconds",
            "Time from the request's arrival to its answer (the console's answer floor included)",
            ["kind", "action"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.code_checks = Counter(
            "twostep_code_checks",
            "MFA code checks by purpose and outcome (accepted, wrong, malformed, replayed, throttled, locked, ...)",
            ["purpose", "outcome"],
            registry=registry,
        )
        self.connections_in_use = Gauge(
            "twostep_db_connections_in_use",
            "Database connections checked out of the pool",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_limit = Gauge(
            "twostep_db_pool_limit",
            "Connections the database pool may open at once (pool size plus overflow)",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.transactions = Counter(
            "twostep_db_transactions",
            "Database transactions ended, by outcome (commit, rollback); twostep retries none",
            ["outcome"],
            registry=registry,
        )

    def request(self, kind: str, action: str, outcome: str, seconds: float) -> None:
        self.requests.labels(kind, action, outcome).inc()
        self.latency.labels(kind, action).observe(seconds)

    def code_check(self, purpose: str, outcome: str) -> None:
        self.code_checks.labels(purpose, outcome).inc()

    def connection_checked_out(self) -> None:
        self.connections_in_use.inc()

    def connection_checked_in(self) -> None:
        self.connections_in_use.dec()

    def transaction_ended(self, outcome: str) -> None:
        self.transactions.labels(outcome).inc()


METRICS = Metrics()  # one set per process: prometheus_client's values are per process anyway


def exposition() -> bytes:
    return bytes(generate_latest(collecting_registry()))
