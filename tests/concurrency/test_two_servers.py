"""Two real server processes on one PostgreSQL database (issue 5): every rule holds across processes.

Requests go round-robin to both servers from a thread pool (bounded counts, 127.0.0.1 only). Codes come from
pyotp with the seed the API returned.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.databases import fresh_postgres
from tests.helpers import code_at
from tests.server_harness import init_data_dir, server_environment, start_server, stop
from twostep.store.engine import create_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLIENT_CONFIG = Config(max_pool_connections=64, retries={"total_max_attempts": 1}, region_name="us-east-1")


@dataclass
class Cluster:
    urls: list[str]
    admin: dict[str, str]
    database_url: str
    clock_file: Path

    def now(self) -> float:
        return time.time() + float(self.clock_file.read_text() or 0)

    def move_clock(self, seconds: float) -> None:
        """Both servers read the same offset file: one shared clock for the cluster."""
        self.clock_file.write_text(str(float(self.clock_file.read_text() or 0) + seconds))

    def client(self, service: str, index: int, **credentials: str) -> Any:
        creds = credentials or {
            "aws_access_key_id": self.admin["access_key_id"],
            "aws_secret_access_key": self.admin["secret_access_key"],
        }
        return boto3.client(service, endpoint_url=self.urls[index % len(self.urls)], config=CLIENT_CONFIG, **creds)

    def failures(self, serial: str) -> int:
        engine = create_engine(self.database_url)
        with engine.connect() as c:
            value = c.execute(sa.text("SELECT failures FROM mfa_devices WHERE serial = :s"), {"s": serial}).scalar_one()
        engine.dispose()
        return int(value)


@contextmanager
def two_servers(tmp: Path, server_url: str, direct_url: str) -> Iterator[Cluster]:
    """Two `twostep serve` processes on one data directory whose database they reach at server_url (PostgreSQL
    itself, or a pooler in front of it); direct_url is the database itself, for the tests' own reads."""
    env = server_environment(tmp, server_url, {"TWOSTEP_MFA_BASE_DELAY": "0"})
    data_dir = tmp / "data"
    created = init_data_dir(data_dir, env)  # the migrations run through server_url too
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            url, process = start_server(data_dir, env)
            urls.append(url)
            processes.append(process)
        yield Cluster(urls, created["admin"], direct_url, tmp / "clock-offset")
    finally:
        for process in processes:
            stop(process)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with fresh_postgres() as url, two_servers(tmp_path_factory.mktemp("cluster"), url, url) as running:
        yield running


def new_device(cluster: Cluster, name: str) -> tuple[str, str]:
    created = cluster.client("iam", 0).create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    return created["SerialNumber"], created["Base32StringSeed"].decode()


def new_user(cluster: Cluster) -> str:
    name = "u" + secrets.token_hex(4)
    cluster.client("iam", 0).create_user(UserName=name)
    return name


def in_parallel(count: int, call: Callable[[int], str]) -> list[str]:
    with ThreadPoolExecutor(max_workers=min(count, 32)) as pool:
        return list(pool.map(call, range(count)))


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
        return "ok"
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])


def test_parallel_enables_with_one_pair_succeed_once(cluster: Cluster) -> None:
    user = new_user(cluster)
    serial, seed = new_device(cluster, "one-pair-" + user)
    now = cluster.now()
    pair = {"AuthenticationCode1": code_at(seed, now - 30), "AuthenticationCode2": code_at(seed, now)}
    clients = [cluster.client("iam", i) for i in range(50)]
    outcomes = in_parallel(
        50, lambda i: outcome(lambda: clients[i].enable_mfa_device(UserName=user, SerialNumber=serial, **pair))
    )
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "EntityAlreadyExists", "InvalidAuthenticationCode"}


def enabled_user_with_key(cluster: Cluster) -> tuple[str, str, str, dict[str, str]]:
    user = new_user(cluster)
    iam = cluster.client("iam", 0)
    serial, seed = new_device(cluster, "phone-" + user)
    now = cluster.now()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=code_at(seed, now - 30),
        AuthenticationCode2=code_at(seed, now),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    creds = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    return user, serial, seed, creds


# The two checks every multi-server setup must pass (also through PgBouncer: test_pgbouncer.py).
def one_code_in_parallel_succeeds_once(cluster: Cluster, requests: int) -> None:
    _, serial, seed, creds = enabled_user_with_key(cluster)
    clients = [cluster.client("sts", i, **creds) for i in range(requests)]
    cluster.move_clock(30)  # the enrolment spent the current step
    code = code_at(seed, cluster.now())
    outcomes = in_parallel(
        requests, lambda i: outcome(lambda: clients[i].get_session_token(SerialNumber=serial, TokenCode=code))
    )
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "AccessDenied"}


def parallel_wrong_codes_lock_after_exactly_the_limit(cluster: Cluster, requests: int) -> None:
    _, serial, seed, creds = enabled_user_with_key(cluster)
    clients = [cluster.client("sts", i, **creds) for i in range(requests)]
    now = cluster.now()
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {code_at(seed, now + d) for d in (-30, 0, 30)})
    outcomes = in_parallel(
        requests, lambda i: outcome(lambda: clients[i].get_session_token(SerialNumber=serial, TokenCode=wrong))
    )
    assert outcomes == ["AccessDenied"] * requests
    assert cluster.failures(serial) == 10
    engine = create_engine(cluster.database_url)
    with engine.connect() as c:
        evaluated = c.execute(
            sa.text(
                "SELECT count(*) FROM audit_events WHERE event_name = 'MfaCodeRejected' AND error_code = 'wrong' "
                "AND details LIKE :serial"
            ),
            {"serial": f"%{serial}%"},
        ).scalar_one()
    engine.dispose()
    assert evaluated == 10
    # A correct code on the locked device is not accepted either (S10).
    right = code_at(seed, cluster.now())
    assert outcome(lambda: clients[0].get_session_token(SerialNumber=serial, TokenCode=right)) == "AccessDenied"


def test_parallel_session_tokens_with_one_code_succeed_once(cluster: Cluster) -> None:
    one_code_in_parallel_succeeds_once(cluster, 50)


def test_parallel_wrong_codes_lock_after_exactly_the_limit(cluster: Cluster) -> None:
    parallel_wrong_codes_lock_after_exactly_the_limit(cluster, 200)


def test_one_device_for_two_users_in_parallel(cluster: Cluster) -> None:
    users = [new_user(cluster), new_user(cluster)]
    serial, seed = new_device(cluster, "contested-" + users[0])
    now = cluster.now()
    pair = {"AuthenticationCode1": code_at(seed, now - 30), "AuthenticationCode2": code_at(seed, now)}
    clients = [cluster.client("iam", i) for i in range(2)]
    outcomes = in_parallel(
        2, lambda i: outcome(lambda: clients[i].enable_mfa_device(UserName=users[i], SerialNumber=serial, **pair))
    )
    assert outcomes.count("ok") == 1, outcomes
    listed = [cluster.client("iam", 0).list_mfa_devices(UserName=u)["MFADevices"] for u in users]
    assert sorted(len(devices) for devices in listed) == [0, 1]


def test_eight_device_limit_under_parallel_enables(cluster: Cluster) -> None:
    user = new_user(cluster)
    iam = cluster.client("iam", 0)
    for i in range(7):
        serial, seed = new_device(cluster, f"{user}-d{i}")
        now = cluster.now()
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=code_at(seed, now - 30),
            AuthenticationCode2=code_at(seed, now),
        )
    extra = [new_device(cluster, f"{user}-x{i}") for i in range(5)]
    now = cluster.now()
    clients = [cluster.client("iam", i) for i in range(5)]

    def enable(i: int) -> str:
        serial, seed = extra[i]
        return outcome(
            lambda: clients[i].enable_mfa_device(
                UserName=user,
                SerialNumber=serial,
                AuthenticationCode1=code_at(seed, now - 30),
                AuthenticationCode2=code_at(seed, now),
            )
        )

    outcomes = in_parallel(5, enable)
    assert outcomes.count("ok") == 1 and outcomes.count("LimitExceeded") == 4, outcomes
    assert len(iam.list_mfa_devices(UserName=user)["MFADevices"]) == 8


def test_seed_is_base32_text(cluster: Cluster) -> None:
    _, seed = new_device(cluster, "format-check-" + secrets.token_hex(3))
    assert len(base64.b32decode(seed + "=" * (-len(seed) % 8))) == 20
