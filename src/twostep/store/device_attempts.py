"""The statements that count and spend a device's attempts (rule 2): the reservation, one conditional
UPDATE ... RETURNING whose row lock (PostgreSQL) or write lock (SQLite, BEGIN IMMEDIATE) is held until the caller's
transaction ends, so that concurrent attempts on one device are serialised and each sees the failures and spent
steps of the ones before it; and the spend of an accepted step. Built once, run as Prepared statements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.mfa.ports import ReservedAttempt
from twostep.store.batched_transaction import asserting
from twostep.store.prepared import Prepared
from twostep.store.tables import mfa_devices, source_throttles

d = mfa_devices.c

# The source address's state (S10), read in the reserving statement itself: one round trip for both, and no lock
# on the address's row (store/source_throttle_repository.py).
_st = source_throttles.c
_SOURCE_IN_DELAY = sa.exists().where(
    _st.source == sa.bindparam("source"),
    _st.last_failure_at >= sa.bindparam("since"),
    _st.next_attempt_at > sa.bindparam("now"),
)
_SOURCE_RECENT = sa.func.coalesce(
    sa.select(_st.last_failure_at >= sa.bindparam("since"))
    .where(_st.source == sa.bindparam("source"))
    .scalar_subquery(),
    sa.false(),
)


def _reserving(*where: sa.ColumnElement[bool]) -> Prepared:
    """reserve_attempt's statement for the device(s) `where` names: one more failure counted, unless the device is
    inside its delay or the source address inside its own."""
    return Prepared(
        mfa_devices.update()
        .where(*where, d.next_attempt_at <= sa.bindparam("now"), ~_SOURCE_IN_DELAY)
        .values(failures=d.failures + 1)
        .returning(
            d.failures,
            d.last_used_step,
            d.drift,
            d.seed_key_id,
            d.seed_blob,
            sa.type_coerce(_SOURCE_RECENT, sa.Boolean).label("source_recent"),
        )
    )


_BELOW_LIMIT = d.failures < sa.bindparam("limit")
RESERVE = {
    bypass: _reserving(d.id == sa.bindparam("device_id"), *(() if bypass else (_BELOW_LIMIT,)))
    for bypass in (False, True)
}
# An owner's device, named by its serial (STS) or its id (the console's MFA step): nothing is reserved on a device
# that is not (or no longer) the owner's.
RESERVE_OWNED = {
    "serial": _reserving(
        d.account_id == sa.bindparam("account_id"),
        d.serial == sa.bindparam("serial"),
        d.user_id == sa.bindparam("owner_id"),
        _BELOW_LIMIT,
    ),
    "device_id": _reserving(
        d.account_id == sa.bindparam("account_id"),
        d.id == sa.bindparam("device_id"),
        d.user_id == sa.bindparam("owner_id"),
        _BELOW_LIMIT,
    ),
}
_CONSUME_STATEMENT = (
    mfa_devices.update()
    .where(d.id == sa.bindparam("device_id"), d.last_used_step < sa.bindparam("step"))
    .values(last_used_step=sa.bindparam("new_step"), drift=sa.bindparam("new_drift"), failures=0, next_attempt_at=0)
)
CONSUME = Prepared(_CONSUME_STATEMENT)
# PostgreSQL: the spend is owed (store/batched_transaction.py) and asserts itself: a spend that changes no row
# fails the transaction. Under the reservation's row lock, held since the caller read the last
# spent step, it cannot miss; the assertion makes sure that an owed spend is never silently lost.
CONSUME_OR_FAIL = Prepared(asserting(_CONSUME_STATEMENT.returning(d.id).cte("spent")))


def reserved_attempt(row: Any | None) -> ReservedAttempt | None:
    if row is None:
        return None
    return ReservedAttempt(
        failures=row.failures,
        last_used_step=row.last_used_step,
        drift=row.drift,
        seed=Sealed(row.seed_key_id, row.seed_blob),
        source_recent=bool(row.source_recent),
    )
