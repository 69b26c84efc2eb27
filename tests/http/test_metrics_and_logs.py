"""Watching a running server (issue 17, item 4): `--metrics` / `--metrics-port` serve Prometheus text, and
`--log-format json` writes one JSON line per request without a code or a password in it.

The real server over HTTP, boto3 for the API, the console as a browser uses it; codes come from pyotp with the
secret the server showed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from tests.console.console_client import ConsoleClient
from tests.databases import database_under_test
from tests.helpers import code_at
from tests.server_harness import (
    ROOT_PASSWORD,
    RunningServer,
    free_port,
    init_data_dir,
    server_environment,
    stop,
    wait_healthy,
)

CLIENT = Config(retries={"total_max_attempts": 1}, region_name="us-east-1")
MAX_FAILURES = 3
BASE_DELAY = 5.0


@dataclass
class Watched:
    server: RunningServer
    log: Path
    metrics_url: str

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = httpx.get(self.metrics_url, timeout=10).text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def client(self, service: str, **credentials: str) -> Any:
        creds = credentials or {
            "aws_access_key_id": self.server.admin["access_key_id"],
            "aws_secret_access_key": self.server.admin["secret_access_key"],
        }
        return boto3.client(service, endpoint_url=self.server.url, config=CLIENT, **creds)


@contextmanager
def watched_server(tmp: Path, *flags: str, metrics_port: int | None = None, workers: int = 1) -> Iterator[Watched]:
    with ExitStack() as cleanup:
        database_url = cleanup.enter_context(database_under_test(tmp))
        env = server_environment(
            tmp,
            database_url,
            {"TWOSTEP_MFA_BASE_DELAY": str(BASE_DELAY), "TWOSTEP_MFA_MAX_FAILURES": str(MAX_FAILURES)},
        )
        data_dir = tmp / "data"
        created = init_data_dir(data_dir, env)
        port = free_port()
        log = tmp / "server.log"
        command = [sys.executable, "-m", "twostep.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)]
        command += ["--workers", str(workers), *flags]
        if metrics_port is not None:
            command += ["--metrics-port", str(metrics_port)]
        with log.open("wb") as out:
            process = subprocess.Popen(command, env={**os.environ, **env}, stderr=out)
        cleanup.callback(stop, process)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        server = RunningServer(
            url=url,
            data_dir=data_dir,
            account_id=created["account_id"],
            root_email=created["root_email"],
            root_password=ROOT_PASSWORD,
            admin=created["admin"],
            clock_offset_file=tmp / "clock-offset",
            env=env,
            process=process,
        )
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics" if metrics_port else url + "/metrics"
        yield Watched(server, log, metrics_url)


def outcome(call: Any) -> str:
    try:
        call()
        return "ok"
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])


def user_with_device(watched: Watched) -> tuple[str, str, dict[str, str]]:
    iam = watched.client("iam")
    iam.create_user(UserName="alice")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
    now = watched.server.now()
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=code_at(seed, now - 30),
        AuthenticationCode2=code_at(seed, now),
    )
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return serial, seed, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def value(metrics: dict[Any, float], name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_off_unless_asked_for(tmp_path: Path) -> None:
    with watched_server(tmp_path) as watched:
        answer = httpx.get(watched.metrics_url)
        assert answer.status_code == 404
        assert "twostep_requests_total" not in answer.text
        watched.client("sts").get_caller_identity()
        assert watched.lines() == []  # no JSON lines either


def test_metrics_and_json_logs_of_code_checks_and_a_console_sign_in(tmp_path: Path) -> None:
    with watched_server(tmp_path, "--metrics", "--log-format", "json") as watched:
        serial, seed, creds = user_with_device(watched)
        sts = watched.client("sts", **creds)
        server = watched.server
        server.move_clock(30)
        good = code_at(seed, server.now())
        sent_codes = [good]
        answer = sts.get_session_token(SerialNumber=serial, TokenCode=good)
        request_id = answer["ResponseMetadata"]["RequestId"]
        assert outcome(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=good)) == "AccessDenied"  # replayed
        wrong = next(
            c
            for c in ("000000", "111111", "222222")
            if c not in {code_at(seed, server.now() + d) for d in (-60, -30, 0, 30)}
        )
        sent_codes.append(wrong)
        assert (
            outcome(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=wrong)) == "AccessDenied"
        )  # throttled
        for _ in range(MAX_FAILURES):  # wrong, wrong (the limit: locked from now on), then refused as locked
            server.move_clock(BASE_DELAY * 2**MAX_FAILURES + 1)
            assert outcome(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=wrong)) == "AccessDenied"

        console = ConsoleClient(server)
        try:
            console.sign_in_root()
            enrolled = console.enrol("root-phone")
            console.sign_out()
            server.move_clock(30)
            console.sign_in_root()
            root_code = console.current_code(enrolled.secret)
            sent_codes += [enrolled.code1, enrolled.code2, root_code]
            done = console.submit_mfa(root_code)
            assert done.status_code == 303, done.text[:500]
        finally:
            console.close()

        metrics = watched.metrics()
        checks = "twostep_code_checks_total"
        assert value(metrics, checks, purpose="GetSessionToken", outcome="accepted") == 1
        assert value(metrics, checks, purpose="GetSessionToken", outcome="replayed") == 1
        assert value(metrics, checks, purpose="GetSessionToken", outcome="throttled") == 1
        assert value(metrics, checks, purpose="GetSessionToken", outcome="wrong") == 2
        assert value(metrics, checks, purpose="GetSessionToken", outcome="locked") == 1
        assert value(metrics, checks, purpose="ConsoleLogin", outcome="accepted") == 1
        requests = "twostep_requests_total"
        assert value(metrics, requests, kind="api", action="sts:GetSessionToken", outcome="ok") == 1
        assert value(metrics, requests, kind="api", action="sts:GetSessionToken", outcome="AccessDenied") == 5
        assert value(metrics, requests, kind="api", action="iam:EnableMFADevice", outcome="ok") == 1
        assert value(metrics, requests, kind="console", action="POST /signin/mfa", outcome="accepted") == 1
        latency = "twostep_request_duration_seconds_count"
        assert value(metrics, latency, kind="api", action="sts:GetSessionToken") == 6
        assert value(metrics, latency, kind="console", action="POST /signin/root") == 2
        assert value(metrics, "twostep_db_transactions_total", outcome="commit") > 10
        assert ("twostep_db_connections_in_use", ()) in metrics
        limit = value(metrics, "twostep_db_pool_limit")
        assert limit == (30 if server.env.get("TWOSTEP_DATABASE_URL") else 15)  # pool size + overflow

        text = watched.log.read_text()
        lines = watched.lines()
        tokens = [line for line in lines if line.get("action") == "sts:GetSessionToken"]
        assert [line["outcome"] for line in tokens] == ["ok"] + ["AccessDenied"] * 5
        checked = ["accepted", "replayed", "throttled", "wrong", "wrong", "locked"]
        assert [line["code_check"] for line in tokens] == checked
        assert tokens[0]["request_id"] == request_id and tokens[0]["status"] == 200
        assert all(line["duration_ms"] > 0 and line["kind"] == "api" and line["client"] for line in tokens)
        mfa_step = [line for line in lines if line.get("action") == "POST /signin/mfa"]
        assert [line["code_check"] for line in mfa_step] == ["accepted"]
        for secret in [*sent_codes, ROOT_PASSWORD, seed, creds["aws_secret_access_key"], enrolled.secret]:
            assert secret not in text


def test_a_metrics_port_of_its_own_adds_up_every_worker(tmp_path: Path) -> None:
    port = free_port()
    with watched_server(tmp_path, metrics_port=port, workers=2) as watched:
        assert httpx.get(watched.server.url + "/metrics").status_code == 404  # not on the main port
        sts = watched.client("sts")
        for _ in range(20):
            sts.get_caller_identity()
        deadline = time.monotonic() + 10
        while True:
            count = value(
                watched.metrics(), "twostep_requests_total", kind="api", action="sts:GetCallerIdentity", outcome="ok"
            )
            if count == 20 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert count == 20  # both workers' requests, wherever each landed


@pytest.mark.parametrize(
    ("flags", "message"),
    [(("--log-format", "xml"), "--log-format"), (("--metrics-port", "70000"), "--metrics-port")],
)
def test_bad_observability_settings_are_refused(tmp_path: Path, flags: tuple[str, ...], message: str) -> None:
    from tests.server_harness import twostep

    env = server_environment(tmp_path, None, None)
    init_data_dir(tmp_path / "data", env)
    done = twostep("serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()), *flags, env=env)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
