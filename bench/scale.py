"""Scale: 1,000 / 100,000 / 1,000,000 users with an access key and an enabled virtual MFA device, on PostgreSQL.

Users are bulk-loaded with COPY in rows shaped exactly like twostep's own (the column lists come from
twostep.store.tables; ids use twostep's alphabets; seeds and secret keys are sealed with the data directory's own
KeyRing, bound to their rows as twostep binds them). Seeds and secrets are derived from the user's number, so the
benchmark can compute any user's code without keeping a million seeds. The loaded rows carry no audit events
(`twostep db check` would report the bulk-loaded devices as enabled without one).

At each size: GetSessionToken p50 (valid codes of users drawn at random from the whole population, one request at
a time) and ListVirtualMFADevices p50 for the first page and for a page deep in the list (MaxItems=100).
The million is opt-in (`--scale-max 1000000`): loading it takes several minutes on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import sys
import time
from typing import Any

from bench.common import (
    Twostep,
    percentile,
    print_table,
    run_load,
    signed_query_request,
    twostep_instance,
    wait_until_quiet,
)
from bench.iam_reads import Iam
from bench.sts import STS_VERSION, issued

SIZES = (1_000, 100_000, 1_000_000)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # twostep's upper-case id alphabet (identity/aws_ids.py)
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_MASTER = b"twostep-bench-scale"


def _encoded(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        out.append(_ALPHABET[digit])
    return "".join(reversed(out))


class Population:
    """What the benchmark knows about bulk-loaded user number i, derived from i alone."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    @staticmethod
    def name(i: int) -> str:
        return f"s{i:07d}"

    @staticmethod
    def user_id(i: int) -> str:
        return "AIDAS" + _encoded(i, 16)

    @staticmethod
    def device_id(i: int) -> str:
        return "MFADS" + _encoded(i, 16)

    @staticmethod
    def key_id(i: int) -> str:
        return "AKIAS" + _encoded(i, 15)

    @staticmethod
    def seed(i: int) -> bytes:
        return hmac.digest(_MASTER, b"seed%d" % i, hashlib.sha256)[:20]

    @staticmethod
    def secret(i: int) -> str:
        raw = hmac.digest(_MASTER, b"secret%d" % i, hashlib.sha512)[:40]
        return "".join(_SECRET_ALPHABET[b % 64] for b in raw)

    def serial(self, i: int) -> str:
        from twostep.mfa.models import device_serial

        return device_serial(self.account_id, "/", f"{self.name(i)}-phone")


def _progress(done: int, total: int, started: float) -> None:
    width = 40
    filled = int(width * done / total) if total else width
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r  [{'#' * filled}{' ' * (width - filled)}] {done:>9,}/{total:,} users  {rate:,.0f}/s ")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def bulk_load(instance: Twostep, population: Population, start: int, end: int, batch: int = 10_000) -> None:
    """Users start..end-1, each with an active access key and an enabled device, by COPY."""
    import psycopg

    from twostep.crypto.keyring import KeyRing
    from twostep.identity.access_keys import access_key_associated_data
    from twostep.mfa.models import seed_associated_data
    from twostep.store.tables import access_keys, mfa_devices, users

    keyring = KeyRing.load(instance.data_dir / "keys.json")
    now = time.time()
    last_step = int(now // 30) - 1  # enabled with the codes of earlier steps: the current one is unspent
    user_columns = ("id", "account_id", "name", "name_key", "path", "is_root", "created_at")
    key_columns = ("id", "user_id", "account_id", "secret_key_id", "secret_blob", "status", "created_at")
    device_columns = (
        "id", "account_id", "path", "name", "serial", "seed_key_id", "seed_blob", "created_at", "created_by",
        "user_id", "enabled_at", "last_used_step", "drift", "failures", "next_attempt_at",
    )  # fmt: skip
    for table, columns in ((users, user_columns), (access_keys, key_columns), (mfa_devices, device_columns)):
        missing = set(columns) - set(table.c.keys())
        if missing:
            raise RuntimeError(f"{table.name} has no column {missing}: the bench is out of date with the schema")
    assert instance.database_url is not None
    started = time.monotonic()
    with psycopg.connect(instance.database_url) as conn:
        for low in range(start, end, batch):
            high = min(end, low + batch)
            with conn.cursor() as cursor:
                with cursor.copy(f"COPY users ({', '.join(user_columns)}) FROM STDIN") as copy:
                    for i in range(low, high):
                        name = population.name(i)
                        copy.write_row((population.user_id(i), population.account_id, name, name, "/", False, now))
                with cursor.copy(f"COPY access_keys ({', '.join(key_columns)}) FROM STDIN") as copy:
                    for i in range(low, high):
                        key_id = population.key_id(i)
                        sealed = keyring.seal(population.secret(i).encode(), access_key_associated_data(key_id))
                        row = (key_id, population.user_id(i), population.account_id, sealed.key_id, sealed.blob)
                        copy.write_row((*row, "Active", now))
                with cursor.copy(f"COPY mfa_devices ({', '.join(device_columns)}) FROM STDIN") as copy:
                    for i in range(low, high):
                        device_id, user_id = population.device_id(i), population.user_id(i)
                        sealed = keyring.seal(population.seed(i), seed_associated_data(device_id))
                        copy.write_row(
                            (
                                device_id, population.account_id, "/", f"{population.name(i)}-phone",
                                population.serial(i), sealed.key_id, sealed.blob, now, user_id, user_id, now,
                                last_step, 0, 0, 0.0,
                            )
                        )  # fmt: skip
            conn.commit()
            _progress(high - start, end - start, started)
    # What autovacuum and the next checkpoint would do in the background while the sizes are measured: done now.
    with psycopg.connect(instance.database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) users, access_keys, mfa_devices")
        conn.execute("CHECKPOINT")


def sts_p50(instance: Twostep, population: Population, size: int, count: int, used: set[tuple[int, int]]) -> float:
    from twostep.otp import totp_at_step

    rng = random.Random(size)
    step = int(time.time() // 30)
    if 30 - time.time() % 30 < 8:  # the requests are signed for this step: leave them time to be sent
        time.sleep(30 - time.time() % 30 + 0.05)
        step += 1
    chosen: list[int] = []
    while len(chosen) < min(count, size):
        i = rng.randrange(size)
        if (i, step) not in used:
            used.add((i, step))
            chosen.append(i)
    requests = [
        signed_query_request(
            instance.port,
            "sts",
            {
                "Action": "GetSessionToken",
                "Version": STS_VERSION,
                "SerialNumber": population.serial(i),
                "TokenCode": totp_at_step(population.seed(i), step),
            },
            population.key_id(i),
            population.secret(i),
        )
        for i in chosen
    ]
    supply = iter(requests)
    warm = min(100, len(requests) // 4)  # the first calls after a bulk load warm caches: not timed
    run_load(instance.port, lambda: next(supply, None), concurrency=1, duration=60, max_requests=warm, ok=issued)
    result = run_load(
        instance.port, lambda: next(supply, None), concurrency=1, duration=60, max_requests=count, ok=issued
    )
    if result.failures:
        print(f"  ! GetSessionToken at {size:,}: {result.failures} failed, first: {result.first_failure}", flush=True)
    return result.p(50)


def paging_p50(iam: Iam, size: int, repeats: int) -> tuple[float, float]:
    """p50 ms of the first page and of a page deep in the list (after the middle user's device)."""
    first: list[float] = []
    deep: list[float] = []
    params = {"Action": "ListVirtualMFADevices", "MaxItems": "100"}
    status, body, _ = iam.call(params)
    if status != 200:
        raise RuntimeError(f"ListVirtualMFADevices: {status} {body[:300]!r}")
    # A marker deep in the list: page through to about the middle only for small lists; for large ones, use the
    # marker twostep itself would have handed out after the middle device (the serial carried in a v2 marker).
    from twostep.awsapi.protocol.paging import encode_marker

    middle = Population.name(size // 2)
    marker = encode_marker(size // 2, f"arn:aws:iam::{iam_account(body)}:mfa/{middle}-phone")
    for _ in range(repeats):
        first.append(iam.call(params)[2])
        status, body, took = iam.call({**params, "Marker": marker})
        if status != 200 or body.count(b"<SerialNumber>") != 100:
            raise RuntimeError(f"deep page: {status} {body[:300]!r}")
        deep.append(took)
    return percentile(first, 50) * 1000, percentile(deep, 50) * 1000


def iam_account(body: bytes) -> str:
    start = body.index(b"arn:aws:iam::") + len(b"arn:aws:iam::")
    return body[start : start + 12].decode()


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [s for s in SIZES if s <= args.scale_max]
    rows = []
    with twostep_instance("scale", "postgresql") as instance:
        population = Population(instance.account_id)
        instance.start()
        iam = Iam(instance.port, instance.admin_key, instance.admin_secret)
        loaded = 0
        used: set[tuple[int, int]] = set()
        baseline = None
        for size in sizes:
            print(f"  bulk-loading users {loaded:,}..{size:,} into PostgreSQL", flush=True)
            started = time.monotonic()
            bulk_load(instance, population, loaded, size)
            load_seconds = time.monotonic() - started
            loaded = size
            wait_until_quiet()
            sts = sts_p50(instance, population, size, args.scale_requests, used)
            first, deep = paging_p50(iam, size, args.scale_pages)
            baseline = baseline or sts
            rows.append(
                [
                    f"{size:,}",
                    f"{load_seconds:.0f}",
                    f"{sts:.2f}",
                    f"{sts / baseline:.2f}x",
                    f"{first:.1f}",
                    f"{deep:.1f}",
                ]
            )
    print_table(
        "Scale on PostgreSQL: users with an access key and an enabled device",
        ["users", "load s", "GetSessionToken p50 ms", "vs 1,000", "ListVirtualMFADevices p50 ms", "deep page p50 ms"],
        rows,
    )
    if args.scale_max < SIZES[-1]:
        print("(the 1,000,000 row is opt-in: python -m bench scale --scale-max 1000000)", flush=True)
    return {"rows": rows}
