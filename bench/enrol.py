"""Users with an access key and an enabled virtual MFA device, made through twostep's own services."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from twostep.otp import totp_at_step


@dataclass(frozen=True)
class Enrolled:
    name: str
    key_id: str
    secret: str
    serial: str
    seed: bytes

    def code(self, step: int) -> str:
        return totp_at_step(self.seed, step)


def enrol(services: Any, account_id: str, count: int, prefix: str = "u", progress: bool = True) -> list[Enrolled]:
    """`count` IAM users, each with an access key and a virtual device enabled with the codes of the two previous
    steps (so the current step is still unspent), exactly as a user would do it through IAM."""
    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(account_id)
    made: list[Enrolled] = []
    started = time.monotonic()
    for i in range(count):
        name = f"{prefix}{i:07d}"
        user = services.identity.create_user(account_id, name, actor=root)
        key = services.identity.create_access_key(user, actor=root)
        new = services.mfa.create_virtual_device(account_id, f"{name}-phone", actor=user)
        now = services.clock.now()
        if now % 30 > 29.0:  # two codes that end a step just closing would be stale by the time they are checked
            time.sleep(30.05 - now % 30)
        step = int(services.clock.now() // 30)
        services.mfa.enable(
            user, new.device.serial, totp_at_step(new.seed, step - 2), totp_at_step(new.seed, step - 1), actor=user
        )
        made.append(Enrolled(name, key.key.id, key.secret_access_key, new.device.serial, new.seed))
        if progress and (i + 1) % 500 == 0:
            rate = (i + 1) / (time.monotonic() - started)
            print(f"  enrolled {i + 1}/{count} ({rate:.0f}/s)", flush=True)
    return made
