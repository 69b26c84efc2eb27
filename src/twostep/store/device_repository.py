"""Virtual MFA devices in SQL, including the atomic attempt accounting that rule 2 asks for.

The reservation and the spend are statements of store/device_attempts.py: one conditional UPDATE ... RETURNING
whose lock is held until the caller's transaction ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.identity.models import Tag
from twostep.mfa.models import DeviceKind, MfaDevice
from twostep.mfa.ports import ReservedAttempt
from twostep.otp import Algorithm, TotpParameters
from twostep.store.device_attempts import CONSUME, CONSUME_OR_FAIL, RESERVE, RESERVE_OWNED, reserved_attempt
from twostep.store.device_pages import DEVICE_PAGES
from twostep.store.engine import byte_ordered
from twostep.store.prepared import Prepared, all_together
from twostep.store.tables import mfa_device_tags, mfa_devices
from twostep.store.tag_rows import tags_by_owner

d = mfa_devices.c
t = mfa_device_tags.c

# The statements of the code-checking path, built once and run as Prepared statements (store/prepared.py).
# A device and its tags come in one query (a row per tag, or one row with NULL tag columns).
DEVICE_WITH_TAGS = sa.select(mfa_devices, t.key.label("tag_key"), t.value.label("tag_value")).outerjoin(
    mfa_device_tags, t.device_id == d.id
)
_BY_SERIAL = Prepared(
    DEVICE_WITH_TAGS.where(d.account_id == sa.bindparam("account_id"), d.serial == sa.bindparam("serial")).order_by(
        d.created_at, d.id, t.position
    )
)
_BY_ID = Prepared(DEVICE_WITH_TAGS.where(d.id == sa.bindparam("device_id")).order_by(t.position))
_FOR_USER = Prepared(
    DEVICE_WITH_TAGS.where(d.user_id == sa.bindparam("user_id")).order_by(d.created_at, d.id, t.position)
)
_COUNT_FOR_USER = Prepared(sa.select(sa.func.count().label("devices")).where(d.user_id == sa.bindparam("user_id")))


@lru_cache(maxsize=64)
def _params(algorithm: str, digits: int, period: int) -> TotpParameters:
    return TotpParameters(digits=digits, period=period, algorithm=Algorithm(algorithm))


def _device(r: Any, tags: tuple[Tag, ...]) -> MfaDevice:
    return MfaDevice(
        id=r.id,
        account_id=r.account_id,
        path=r.path,
        name=r.name,
        serial=r.serial,
        seed=Sealed(r.seed_key_id, r.seed_blob),
        created_at=r.created_at,
        created_by=r.created_by,
        user_id=r.user_id,
        enabled_at=r.enabled_at,
        last_used_step=r.last_used_step,
        drift=r.drift,
        failures=r.failures,
        next_attempt_at=r.next_attempt_at,
        tags=tags,
        kind=DeviceKind(r.kind),
        params=_params(r.algorithm, r.digits, r.period),
    )


def device_row(device: MfaDevice) -> dict[str, Any]:
    """The mfa_devices row of a new device (unassigned, nothing spent yet)."""
    return {
        "id": device.id,
        "account_id": device.account_id,
        "path": device.path,
        "name": device.name,
        "serial": device.serial,
        "seed_key_id": device.seed.key_id,
        "seed_blob": device.seed.blob,
        "created_at": device.created_at,
        "created_by": device.created_by,
        "kind": device.kind.value,
        "algorithm": device.params.algorithm.value,
        "digits": device.params.digits,
        "period": device.params.period,
        "drift": device.drift,
    }


def joined_devices(rows: Sequence[Any]) -> list[MfaDevice]:
    """Devices from rows of DEVICE_WITH_TAGS (a device's rows are consecutive, its tags in order)."""
    order: list[Any] = []
    tags: dict[str, list[Tag]] = {}
    for row in rows:
        found = tags.get(row.id)
        if found is None:
            found = tags[row.id] = []
            order.append(row)
        if row.tag_key is not None:
            found.append(Tag(row.tag_key, row.tag_value))
    return [_device(row, tuple(tags[row.id])) for row in order]


class SqlDeviceRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def _devices(self, where: sa.ColumnElement[bool]) -> list[MfaDevice]:
        rows = self._c.execute(sa.select(mfa_devices).where(where).order_by(d.created_at, d.id)).all()
        return self._with_tags(rows)

    def _with_tags(self, rows: Sequence[sa.Row[Any]]) -> list[MfaDevice]:
        tags = tags_by_owner(self._c, t.device_id, [r.id for r in rows])
        return [_device(r, tags.get(r.id, ())) for r in rows]

    def add(self, device: MfaDevice) -> None:
        self._c.execute(mfa_devices.insert().values(device_row(device)))
        self.set_tags(device.id, device.tags)

    def get(self, device_id: str) -> MfaDevice | None:
        found = self._devices(d.id == device_id)
        return found[0] if found else None

    def by_serial(self, account_id: str, serial: str) -> MfaDevice | None:
        found = joined_devices(_BY_SERIAL.all(self._c, {"account_id": account_id, "serial": serial}))
        return found[0] if found else None

    def for_user(self, user_id: str) -> list[MfaDevice]:
        return joined_devices(_FOR_USER.all(self._c, {"user_id": user_id}))

    def count_for_user(self, user_id: str) -> int:
        return int(_COUNT_FOR_USER.one(self._c, {"user_id": user_id})[0])

    @staticmethod
    def _assignment(account_id: str, assigned: bool | None) -> sa.ColumnElement[bool]:
        where = d.account_id == account_id
        if assigned is True:
            return sa.and_(where, d.user_id.is_not(None))
        if assigned is False:
            return sa.and_(where, d.user_id.is_(None))
        return where

    def in_account(self, account_id: str, assigned: bool | None = None) -> list[MfaDevice]:
        return self._devices(self._assignment(account_id, assigned))

    def page_in_account(
        self, account_id: str, assigned: bool | None, after_serial: str | None, limit: int
    ) -> list[MfaDevice]:
        statement = DEVICE_PAGES[(assigned, after_serial is not None, byte_ordered(self._c))]
        u2f_serials = f"arn:aws:iam::{account_id}:u2f/%"  # an account id is 12 digits: no LIKE wildcard in it
        params = {"account_id": account_id, "limit": limit, "after": after_serial, "u2f_serials": u2f_serials}
        return joined_devices(statement.all(self._c, params))

    def count_in_account(self, account_id: str, assigned: bool | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(mfa_devices).where(self._assignment(account_id, assigned))
        return int(self._c.execute(query).scalar_one())

    def assign(self, device_id: str, user_id: str, now: float) -> bool:
        result = self._c.execute(
            mfa_devices.update().where(d.id == device_id, d.user_id.is_(None)).values(user_id=user_id, enabled_at=now)
        )
        return result.rowcount == 1

    def unassign(self, device_id: str) -> None:
        self._c.execute(
            mfa_devices.update()
            .where(d.id == device_id)
            .values(user_id=None, enabled_at=None, failures=0, next_attempt_at=0)
        )

    def rename(self, device_id: str, name: str, serial: str) -> None:
        self._c.execute(mfa_devices.update().where(d.id == device_id).values(name=name, serial=serial))

    def delete(self, device_id: str) -> None:
        self._c.execute(mfa_device_tags.delete().where(mfa_device_tags.c.device_id == device_id))
        self._c.execute(mfa_devices.delete().where(d.id == device_id))

    def set_tags(self, device_id: str, tags: tuple[Tag, ...]) -> None:
        self._c.execute(mfa_device_tags.delete().where(mfa_device_tags.c.device_id == device_id))
        if tags:
            self._c.execute(
                mfa_device_tags.insert(),
                [{"device_id": device_id, "position": i, "key": t.key, "value": t.value} for i, t in enumerate(tags)],
            )

    def reserve_attempt(
        self,
        device_id: str,
        now: float,
        limit: int,
        bypass_lock: bool = False,
        *,
        source: str | None = None,
        source_since: float = 0.0,
    ) -> ReservedAttempt | None:
        params: dict[str, object] = {"device_id": device_id, "now": now, "source": source or "", "since": source_since}
        if not bypass_lock:
            params["limit"] = limit
        return reserved_attempt(RESERVE[bypass_lock].first(self._c, params))

    def reserve_owned(
        self,
        account_id: str,
        owner_id: str,
        now: float,
        limit: int,
        *,
        serial: str | None = None,
        device_id: str | None = None,
        source: str | None,
        source_since: float,
    ) -> tuple[MfaDevice | None, ReservedAttempt | None]:
        """The device a serial (a code device's: a passkey's is refused before) or an id names, and an attempt
        reserved on it as reserve_attempt reserves one, only when it is owner_id's: nothing is counted on anyone
        else's device. Reserved first, then read in the same round trip: the device is read as it stands under the
        reservation's row lock, or (nothing reserved) as it stands after."""
        assert (serial is None) != (device_id is None), "name the device by its serial or by its id"
        reserve = {
            "account_id": account_id,
            "owner_id": owner_id,
            "now": now,
            "limit": limit,
            "source": source or "",
            "since": source_since,
        }
        if serial is not None:
            reserving, reading = RESERVE_OWNED["serial"], _BY_SERIAL
            read: dict[str, object] = {"account_id": account_id, "serial": serial}
        else:
            reserving, reading = RESERVE_OWNED["device_id"], _BY_ID
            read = {"device_id": device_id}
        reserved, rows = all_together(self._c, (reserving, reserve | read), (reading, read))
        found = joined_devices(rows)
        return (found[0] if found else None), reserved_attempt(reserved[0] if reserved else None)

    def release_attempt(self, device_id: str) -> None:
        self._c.execute(mfa_devices.update().where(d.id == device_id).values(failures=d.failures - 1))

    def throttle_state(self, device_id: str) -> tuple[int, float]:
        row = self._c.execute(sa.select(d.failures, d.next_attempt_at).where(d.id == device_id)).one()
        return int(row[0]), float(row[1])

    def set_delay(self, device_id: str, next_attempt_at: float) -> None:
        self._c.execute(mfa_devices.update().where(d.id == device_id).values(next_attempt_at=next_attempt_at))

    def consume(self, device_id: str, step: int, drift: int) -> bool:
        """Spend a step (and every one before it), once: True when this call spent it. Call it with the attempt
        reserved (reserve_attempt) in the same transaction, after checking the step against the reserved
        last_used_step: on PostgreSQL the spend is then sent with the transaction's next statements and fails
        the transaction if it misses, which the reservation's row lock rules out."""
        params = {"device_id": device_id, "step": step, "new_step": step, "new_drift": drift}
        if self._c.dialect.name == "postgresql":
            CONSUME_OR_FAIL.owe(self._c, params)
            return True
        return CONSUME.rowcount(self._c, params) == 1

    def reset_failures(self, device_id: str) -> None:
        self._c.execute(mfa_devices.update().where(d.id == device_id).values(failures=0, next_attempt_at=0))
