"""S29 / issue 5: kill -9 a server in the middle of a bounded stream of enables and session tokens; after a
restart nothing is half-written (`twostep db check`) and no spent code works again."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.databases import database_url, engine_under_test
from tests.helpers import code_at
from tests.server_harness import init_data_dir, server_environment, start_server, stop, twostep

pytestmark = pytest.mark.slow
CONFIG = Config(retries={"total_max_attempts": 1}, region_name="us-east-1", connect_timeout=2, read_timeout=5)
DEVICES = 40
KILL_AFTER = 8  # successful responses before the kill: the rest of the stream is cut off mid-flight


@pytest.fixture(params=[engine_under_test()])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def env_and_dir(kind: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    with database_url(kind, tmp_path) as url:
        yield server_environment(tmp_path, None if kind == "sqlite" else url, None), tmp_path / "data"


def test_kill_nine_loses_nothing(env_and_dir: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, data_dir = env_and_dir
    admin = init_data_dir(data_dir, env)["admin"]
    creds = {"aws_access_key_id": admin["access_key_id"], "aws_secret_access_key": admin["secret_access_key"]}
    clock_file = tmp_path / "clock-offset"

    def server_now() -> float:
        return time.time() + float(clock_file.read_text())

    url, process = start_server(data_dir, env)
    iam = boto3.client("iam", endpoint_url=url, config=CONFIG, **creds)
    devices: list[tuple[str, str]] = []
    for i in range(DEVICES):
        created = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"crash-{i}")["VirtualMFADevice"]
        devices.append((created["SerialNumber"], created["Base32StringSeed"].decode()))
    first_half, second_half = devices[: DEVICES // 2], devices[DEVICES // 2 :]
    now = server_now()
    session_keys: dict[str, dict[str, str]] = {}
    for serial, seed in first_half:
        user = "f-" + serial.rsplit("-", 1)[1]
        iam.create_user(UserName=user)
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=code_at(seed, now - 30),
            AuthenticationCode2=code_at(seed, now),
        )
        key = iam.create_access_key(UserName=user)["AccessKey"]
        session_keys[serial] = {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }
    session_clients = {s: boto3.client("sts", endpoint_url=url, config=CONFIG, **k) for s, k in session_keys.items()}
    clock_file.write_text(str(float(clock_file.read_text()) + 30))
    now = server_now()

    accepted_tokens: list[tuple[str, str]] = []
    enabled: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def succeeded() -> None:
        with lock:
            if len(enabled) + len(accepted_tokens) >= KILL_AFTER and not killed.is_set():
                killed.set()
                os.kill(process.pid, signal.SIGKILL)

    def enable(item: tuple[str, str]) -> None:
        serial, seed = item
        user = "u-" + serial.rsplit("-", 1)[1]
        try:
            iam.create_user(UserName=user)
            iam.enable_mfa_device(
                UserName=user,
                SerialNumber=serial,
                AuthenticationCode1=code_at(seed, now - 30),
                AuthenticationCode2=code_at(seed, now),
            )
            with lock:
                enabled.append(serial)
            succeeded()
        except Exception:  # the server may die mid-request: that is the point
            pass

    def session_token(item: tuple[str, str]) -> None:
        serial, seed = item
        code = code_at(seed, now)
        try:
            session_clients[serial].get_session_token(SerialNumber=serial, TokenCode=code)
            with lock:
                accepted_tokens.append((serial, code))
            succeeded()
        except Exception:
            pass

    work: list[Any] = []
    for a, b in zip(first_half, second_half, strict=True):
        work += [(session_token, a), (enable, b)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: job[0](job[1]), work))
    process.wait(timeout=10)
    assert killed.is_set()
    print(f"before the kill: {len(enabled)} enables, {len(accepted_tokens)} session tokens of {len(work)} requests")

    check = twostep("db", "check", "--data-dir", str(data_dir), env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["consistent"]

    url, process = start_server(data_dir, env)
    try:
        iam = boto3.client("iam", endpoint_url=url, config=CONFIG, **creds)
        for serial in enabled:  # every enable the client saw succeed survived
            user = "u-" + serial.rsplit("-", 1)[1]
            assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=user)["MFADevices"]] == [serial]
        for serial, code in accepted_tokens:  # every spent code stays spent
            sts = boto3.client("sts", endpoint_url=url, config=CONFIG, **session_keys[serial])
            with pytest.raises(ClientError) as denied:
                sts.get_session_token(SerialNumber=serial, TokenCode=code)
            assert denied.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        stop(process)
