"""S20 end to end: `twostep keys rotate` beside a running server that keeps serving, an interrupted (killed)
rotation resumed, and a dump of the database (SQLite file bytes, PostgreSQL pg_dump) holding no seed in any
encoding."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from botocore.exceptions import BotoCoreError, ClientError

from tests.databases import fresh_postgres
from tests.server_harness import RunningServer, running_server, twostep
from tests.sts.harness import ApiUser, add_user, client, signing_on_server_clock
from twostep import bootstrap
from twostep.crypto.keyring import KeyRing
from twostep.settings import Settings
from twostep.store.engine import create_engine
from twostep.store.sealed_columns import SEALED_COLUMNS

EXTRA_DEVICES = 12


def encodings(seed: bytes) -> list[bytes]:
    """Every way a seed might be written down: raw, base32 (as in otpauth URIs), base64, hex."""
    b32 = base64.b32encode(seed)
    forms = [seed, b32, b32.rstrip(b"="), seed.hex().encode()]
    for b64 in (base64.b64encode(seed), base64.urlsafe_b64encode(seed)):
        forms += [b64, b64.rstrip(b"=")]
    return forms + [f.lower() for f in forms[1:]] + [f.upper() for f in forms[1:]]


def assert_no_seed_in(dump: bytes, seeds: list[bytes], where: str) -> None:
    assert seeds
    for seed in seeds:
        for form in encodings(seed):
            assert form not in dump, f"a seed appears in {where} as {form!r}"


def sealed_key_ids(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    found: set[str] = set()
    with engine.connect() as c:
        for column in SEALED_COLUMNS:
            found |= set(c.execute(sa.select(column.table.c[column.key_column]).distinct()).scalars())
        found |= {k for k in c.execute(sa.text("SELECT key_id FROM audit_heads")).scalars()}
    engine.dispose()
    return found


def populate(server: RunningServer) -> tuple[list[ApiUser], list[bytes]]:
    """Users with access keys and enabled devices, and unassigned devices: seeds to look for afterwards."""
    with server.services() as services:
        users = [add_user(services, server.account_id, name) for name in ("alice", "bob")]
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(server.account_id)
        extra = [
            services.mfa.create_virtual_device(server.account_id, f"spare{n}", actor=root).seed
            for n in range(EXTRA_DEVICES)
        ]
    return users, [u.seed for u in users if u.seed] + extra


class Traffic(threading.Thread):
    """API calls signed with every user's access key, while the rotation runs."""

    def __init__(self, server: RunningServer, users: list[ApiUser]) -> None:
        super().__init__()
        # GetCallerIdentity needs no permission: it succeeds exactly when the signature (the secret) checks out.
        self.clients = [u.client(server, "sts") for u in users]
        self.clients.append(client(server, "sts", server.admin["access_key_id"], server.admin["secret_access_key"]))
        self.stop = threading.Event()
        self.calls = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for sts in self.clients:
                try:
                    sts.get_caller_identity()
                    self.calls += 1
                except (ClientError, BotoCoreError) as exc:
                    self.errors.append(repr(exc))


def rotate_while_serving(server: RunningServer, database_url: str) -> list[bytes]:
    """Rotate with batches of one while API traffic runs; returns the seeds to look for in a dump."""
    users, seeds = populate(server)
    old = KeyRing.load(server.data_dir / "keys.json").active_key_id
    traffic = Traffic(server, users)
    traffic.start()
    try:
        time.sleep(0.3)
        done = twostep(
            "keys", "rotate", "--data-dir", str(server.data_dir), "--batch-size", "1", "--pause", "0.02", env=server.env
        )
        time.sleep(0.3)
    finally:
        traffic.stop.set()
        traffic.join()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "re-encrypting mfa_devices.seed: 1/" in done.stderr  # progress, batch by batch
    assert result["removed_keys"] == [old] and result["resealed"]["mfa_devices.seed"] == EXTRA_DEVICES + 2
    assert traffic.calls > 20 and traffic.errors == []

    new = result["active_key_id"]
    assert KeyRing.load(server.data_dir / "keys.json").key_ids == (new,)
    assert sealed_key_ids(database_url) == {new}  # nothing left under the old key, audit heads included

    # The server opens what is now sealed under a key it never loaded: secrets for SigV4, seeds for codes.
    alice = users[0]
    sts = alice.client(server, "sts")
    credentials = sts.get_session_token(SerialNumber=alice.serial, TokenCode=alice.next_code(server))["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    verify = twostep("audit", "verify", "--data-dir", str(server.data_dir), env=server.env)
    assert verify.returncode == 0, verify.stderr
    return seeds


def test_rotate_while_serving_on_sqlite(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'data' / 'twostep.db'}"  # the SQLite file, whichever pass this is
    with running_server(tmp_path, database_url=database_url) as server, signing_on_server_clock(server):
        seeds = rotate_while_serving(server, database_url)
    files = sorted(server.data_dir.glob("twostep.db*"))  # the database, its WAL and shared-memory files
    assert files
    assert_no_seed_in(b"".join(f.read_bytes() for f in files), seeds, "the SQLite files")


@pytest.mark.postgres
def test_rotate_while_two_server_processes_serve_on_postgresql(tmp_path: Path) -> None:
    with fresh_postgres() as url:
        with running_server(tmp_path, database_url=url, workers=2) as server, signing_on_server_clock(server):
            seeds = rotate_while_serving(server, url)
        dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=120).stdout
        assert b"COPY public.mfa_devices" in dump
        assert_no_seed_in(dump, seeds, "pg_dump")
        # And every column of every table, as the database itself renders it as text.
        engine = create_engine(url)
        with engine.connect() as c:
            tables = c.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            text = b"".join(
                str(row).encode() for t in list(tables) for row in c.execute(sa.text(f'SELECT * FROM "{t}"'))
            )
        engine.dispose()
        assert_no_seed_in(text, seeds, "SELECT *")


def test_a_killed_rotation_resumes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = twostep(
        "init", "--data-dir", str(data), "--email", "a@example.com", "--password-stdin", stdin="a long passphrase\n"
    )
    assert init.returncode == 0, init.stderr
    account_id = json.loads(init.stdout)["account_id"]
    services = bootstrap.build(Settings.from_environment(data))
    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(account_id)
    seeds = [services.mfa.create_virtual_device(account_id, f"d{n}", actor=root).seed for n in range(20)]
    old = services.keyring.active_key_id

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twostep.cli",
            "keys",
            "rotate",
            "--data-dir",
            str(data),
            "--batch-size",
            "1",
            "--pause",
            "0.2",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    progress = 0
    for line in process.stderr:
        progress += "re-encrypting" in line
        if progress == 3:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    halfway = KeyRing.load(data / "keys.json")
    new = halfway.active_key_id
    assert set(halfway.key_ids) == {old, new}
    url = Settings.from_environment(data).database_url
    assert sealed_key_ids(url) >= {old, new}  # some rows re-sealed, some not yet
    # A process holding the old key file still opens everything (it reads the file again for the new key).
    assert [services.mfa.enrolment_seed(account_id, d.id, root)[1] for d in services.mfa.devices_in_account(account_id)]

    again = twostep("keys", "rotate", "--data-dir", str(data), "--batch-size", "5")
    assert again.returncode == 0, again.stderr
    assert f"resuming the rotation to {new}" in again.stderr
    result = json.loads(again.stdout)
    assert result["resumed"] is True and result["removed_keys"] == [old] and result["active_key_id"] == new
    assert KeyRing.load(data / "keys.json").key_ids == (new,)
    assert sealed_key_ids(url) == {new}
    opened = sorted(
        services.mfa.enrolment_seed(account_id, d.id, root)[1] for d in services.mfa.devices_in_account(account_id)
    )
    assert opened == sorted(seeds)
    services.close()
    assert_no_seed_in(b"".join(f.read_bytes() for f in data.glob("twostep.db*")), seeds, "the SQLite files")


def test_staged_rotation_for_nodes_with_their_own_key_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = twostep(
        "init", "--data-dir", str(data), "--email", "a@example.com", "--password-stdin", stdin="a long passphrase\n"
    )
    assert init.returncode == 0, init.stderr
    old = KeyRing.load(data / "keys.json").active_key_id

    staged = twostep("keys", "rotate", "--data-dir", str(data), "--stage")
    assert staged.returncode == 0, staged.stderr
    key_id = json.loads(staged.stdout)["staged_key_id"]
    ring = KeyRing.load(data / "keys.json")
    assert ring.active_key_id == old and set(ring.key_ids) == {old, key_id}
    assert "copy" in staged.stderr and "to every node" in staged.stderr

    kept = twostep("keys", "rotate", "--data-dir", str(data), "--keep-old-keys", "--grace", "0")
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout)["removed_keys"] == [] and "old keys kept" in kept.stderr
    assert KeyRing.load(data / "keys.json").active_key_id == key_id

    finished = twostep("keys", "rotate", "--data-dir", str(data), "--grace", "0")
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["removed_keys"] == [old]
    assert KeyRing.load(data / "keys.json").key_ids == (key_id,)
    assert sealed_key_ids(Settings.from_environment(data).database_url) == {key_id}
