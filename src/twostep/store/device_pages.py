"""ListVirtualMFADevices' pages as Prepared statements: one per (assignment filter, after a marker or not, byte
ordered or not), built once (store/prepared.py)."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.mfa.models import DeviceKind
from twostep.store.prepared import Prepared
from twostep.store.tables import mfa_device_tags, mfa_devices

d = mfa_devices.c
t = mfa_device_tags.c


def _page_statement(assigned: bool | None, after: bool, byte_ordered: bool) -> Prepared:
    """One page of an account's devices in serial order (after a serial, or from the start), with their tags:
    the page is chosen in a subquery so that its LIMIT counts devices, not device-and-tag rows."""

    def ordered(serial: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        # Ordered as Python orders strings (the markers compare serials in Python): byte order.
        return serial if byte_ordered else serial.collate("C")

    # ListVirtualMFADevices: hardware tokens (tokens/) and passkeys (u2f serials) are not virtual devices.
    where = [
        d.account_id == sa.bindparam("account_id"),
        d.kind == DeviceKind.VIRTUAL.value,
        d.serial.not_like(sa.bindparam("u2f_serials")),
    ]
    if assigned is not None:
        where.append(d.user_id.is_not(None) if assigned else d.user_id.is_(None))
    if after:
        where.append(ordered(d.serial) > sa.bindparam("after"))
    page = (
        sa.select(mfa_devices).where(*where).order_by(ordered(d.serial)).limit(sa.bindparam("limit")).subquery("page")
    )
    return Prepared(
        sa.select(page, t.key.label("tag_key"), t.value.label("tag_value"))
        .outerjoin(mfa_device_tags, t.device_id == page.c.id)
        .order_by(ordered(page.c.serial), t.position)
    )


DEVICE_PAGES = {
    (assigned, after, byte_ordered): _page_statement(assigned, after, byte_ordered)
    for assigned in (None, True, False)
    for after in (False, True)
    for byte_ordered in (False, True)
}
