"""Two real server processes behind PgBouncer in transaction pooling mode (issue 17, item 3).

The test starts Debian's pgbouncer itself on a free port, in front of the fresh test database, with few server
connections so that consecutive transactions of one client connection land on different server connections.
Both servers reach PostgreSQL only through it, with `?pool_mode=transaction` on the database URL (docs/deploy.md).
Under CI=true a missing pgbouncer fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.concurrency.test_two_servers import (
    Cluster,
    enabled_user_with_key,
    one_code_in_parallel_succeeds_once,
    outcome,
    parallel_wrong_codes_lock_after_exactly_the_limit,
    two_servers,
)
from tests.databases import fresh_postgres
from tests.helpers import code_at
from tests.server_harness import free_port, stop
from twostep.store.engine import create_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PGBOUNCER = "/usr/sbin/pgbouncer"
SERVER_CONNECTIONS = 4  # far fewer than the two servers' client connections: transactions must share them


def require_pgbouncer() -> str:
    found = shutil.which("pgbouncer") or (PGBOUNCER if os.access(PGBOUNCER, os.X_OK) else None)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("pgbouncer is required in CI (Debian package `pgbouncer`, installed by .ci/run) and is missing")
    pytest.skip("pgbouncer is not installed here (outside CI this is allowed): apt-get install pgbouncer")


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not listen: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def pgbouncer_url() -> Iterator[tuple[str, str]]:
    """(URL through PgBouncer, direct URL) of a fresh database."""
    binary = require_pgbouncer()
    with fresh_postgres() as direct:
        name = direct.rsplit("/", 1)[1]
        port = free_port()
        # pgbouncer refuses to run as root: it then drops to `postgres`, which must read its files.
        directory = Path(tempfile.mkdtemp(prefix="twostep-pgbouncer-"))
        directory.chmod(0o755)
        (directory / "users.txt").write_text('"postgres" ""\n')
        (directory / "pgbouncer.ini").write_text(
            f"[databases]\n{name} = host=127.0.0.1 port=5432 dbname={name}\n\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {SERVER_CONNECTIONS}\nmax_client_conn = 500\n"
        )
        for file in directory.iterdir():
            file.chmod(0o644)
        command = [binary, str(directory / "pgbouncer.ini")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "postgres"]
        log = directory / "pgbouncer.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, process, log)
            yield f"postgresql://postgres@127.0.0.1:{port}/{name}?pool_mode=transaction", direct
        finally:
            stop(process)
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(pgbouncer_url: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    bounced, direct = pgbouncer_url
    with two_servers(tmp_path_factory.mktemp("bounced"), bounced, direct) as running:
        yield running


def test_the_servers_reach_postgresql_only_through_pgbouncer(pgbouncer_url: tuple[str, str]) -> None:
    bounced, _direct = pgbouncer_url
    engine = create_engine(bounced)
    try:
        with engine.connect() as connection:
            # PgBouncer answers SHOW on its own admin console only; through it this is PostgreSQL's answer,
            # and the port is PgBouncer's, not 5432.
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert engine.url.port != 5432
        assert "pool_mode" not in engine.url.query
    finally:
        engine.dispose()


def test_enable_and_get_session_token_through_pgbouncer(cluster: Cluster) -> None:
    _user, serial, seed, creds = enabled_user_with_key(cluster)
    # Many calls of the same statements on both servers: psycopg would prepare them after five uses, and a
    # prepared statement is gone on the next transaction's server connection.
    for round_ in range(4):
        cluster.move_clock(30)
        code = code_at(seed, cluster.now())
        for index in range(2):
            sts = cluster.client("sts", index + round_, **creds)
            if index == 0:
                answer = sts.get_session_token(SerialNumber=serial, TokenCode=code)
                assert answer["Credentials"]["SessionToken"]
            else:  # the same code on the other server: spent
                assert outcome(
                    lambda sts=sts, code=code: sts.get_session_token(SerialNumber=serial, TokenCode=code)
                ) == ("AccessDenied")
            assert cluster.client("sts", index, **creds).get_caller_identity()["Arn"].endswith(f"user/{_user}")
    listed = [cluster.client("iam", i).list_mfa_devices(UserName=_user)["MFADevices"] for i in range(12)]
    assert all(devices[0]["SerialNumber"] == serial for devices in listed)


def test_one_code_in_parallel_on_both_servers_succeeds_once(cluster: Cluster) -> None:
    one_code_in_parallel_succeeds_once(cluster, 40)


def test_parallel_wrong_codes_lock_after_exactly_the_limit(cluster: Cluster) -> None:
    parallel_wrong_codes_lock_after_exactly_the_limit(cluster, 100)


def test_a_pool_mode_other_than_session_or_transaction_is_refused(tmp_path: Path) -> None:
    from tests.server_harness import twostep

    done = twostep(
        "db",
        "upgrade",
        "--data-dir",
        str(tmp_path),
        "--database-url",
        "postgresql://postgres@127.0.0.1:5432/x?pool_mode=statement",
    )
    assert done.returncode != 0
    assert "pool_mode" in done.stderr and "Traceback" not in done.stderr
