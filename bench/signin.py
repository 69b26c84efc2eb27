"""Console sign-in beyond the password hash: what SignInService.password_step and mfa_step (the two POSTs of a
console sign-in: password, then code) cost besides the Argon2id verification itself.

Each sign-in is timed in-process on the server's own services (SQLite and PostgreSQL); the Argon2 verify call is
timed separately and subtracted, so what remains is lookups, throttling, sessions, the code check and the audit.
The console's answer floor (S13, a deliberate wait) is outside these calls and not counted.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common import percentile, print_table, twostep_instance, wait_until_quiet
from bench.enrol import Enrolled

PASSWORD = "a long bench passphrase 7"


def _users(services: Any, account_id: str, count: int) -> list[tuple[Enrolled, str]]:
    from twostep.otp import totp_at_step

    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(account_id)
    made = []
    for i in range(count):
        name = f"p{i:05d}"
        user = services.identity.create_user(account_id, name, actor=root, password=PASSWORD)
        new = services.mfa.create_virtual_device(account_id, f"{name}-phone", actor=user)
        now = services.clock.now()
        if now % 30 > 29.0:
            time.sleep(30.05 - now % 30)
        step = int(services.clock.now() // 30)
        services.mfa.enable(
            user, new.device.serial, totp_at_step(new.seed, step - 2), totp_at_step(new.seed, step - 1), actor=user
        )
        made.append((Enrolled(name, "", "", new.device.serial, new.seed), new.device.id))
    return made


def measure(engine: str, count: int) -> dict[str, list[float]]:
    with twostep_instance(f"signin-{engine}", engine) as instance:
        services = instance.services()
        print(f"  twostep/{instance.engine_name}: {count} users with a password and a device ...", flush=True)
        users = _users(services, instance.account_id, count)
        hasher = services.hasher
        real_verify = hasher.verify
        hashed: list[float] = []

        def timed_verify(password_hash: str | None, password: str) -> bool:
            started = time.perf_counter()
            try:
                return bool(real_verify(password_hash, password))
            finally:
                hashed.append(time.perf_counter() - started)

        hasher.verify = timed_verify
        wait_until_quiet()
        out: dict[str, list[float]] = {"password": [], "mfa": [], "total": [], "hash": []}
        for user, device_id in users:
            hashed.clear()
            step = int(time.time() // 30)
            t0 = time.perf_counter()
            grant = services.signin.password_step(
                account_id=instance.account_id, user_name=user.name, password=PASSWORD, source_ip="127.0.0.1"
            )
            t1 = time.perf_counter()
            services.signin.mfa_step(grant.token, device_id, user.code(step), source_ip="127.0.0.1")
            t2 = time.perf_counter()
            hash_time = sum(hashed)
            out["hash"].append(hash_time)
            out["password"].append(t1 - t0 - hash_time)
            out["mfa"].append(t2 - t1)
            out["total"].append(t2 - t0 - hash_time)
        services.close()
        return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows = []
    results = {}
    for engine in args.engines:
        measured = results[engine] = measure(engine, args.signin_users)
        p = {name: percentile(values, 50) * 1000 for name, values in measured.items()}
        p99 = percentile(measured["total"], 99) * 1000
        rows.append(
            [f"twostep {engine}", f"{p['hash']:.1f}", f"{p['password']:.2f}", f"{p['mfa']:.2f}", f"{p['total']:.2f}",
             f"{p99:.2f}"]
        )  # fmt: skip
    print_table(
        f"Console sign-in (password step + code step), beyond the Argon2id hash ({args.signin_users} sign-ins)",
        ["server", "Argon2id p50 ms", "password step p50 ms", "code step p50 ms", "beyond the hash p50 ms", "p99 ms"],
        rows,
    )
    return results
