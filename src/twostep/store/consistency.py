"""`twostep db check`: does the database hold only whole changes?

Every change commits with its audit event (architecture rule 4), so after any crash these must hold:
- an assigned device has an enable date, an unassigned one none;
- a device is assigned exactly when the last assignment event for its serial is EnableMFADevice;
- each audit chain's head row names its last event, and the chain's sequence numbers have no gaps;
- every sealed secret names a key the key ring holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from twostep.crypto.keyring import KeyRing
from twostep.store.tables import access_keys, audit_events, audit_heads, mfa_devices

ASSIGNMENT_EVENTS = ("EnableMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice", "CreateVirtualMFADevice")


@dataclass
class ConsistencyReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {"consistent": self.consistent, "checked": self.counts, "problems": self.problems}


def check(engine: sa.Engine, keyring: KeyRing) -> ConsistencyReport:
    report = ConsistencyReport()
    with engine.connect() as c:
        _check_devices(c, report)
        _check_audit_heads(c, report)
        _check_key_ids(c, keyring, report)
    return report


def _check_devices(c: sa.Connection, report: ConsistencyReport) -> None:
    d = mfa_devices.c
    devices = c.execute(sa.select(d.id, d.account_id, d.serial, d.user_id, d.enabled_at)).all()
    report.counts["devices"] = len(devices)
    last_event: dict[tuple[str | None, str], str] = {}
    events = c.execute(
        sa.select(audit_events.c.account_id, audit_events.c.event_name, audit_events.c.details)
        .where(audit_events.c.event_name.in_(ASSIGNMENT_EVENTS))
        .order_by(audit_events.c.chain, audit_events.c.seq)
    )
    for account_id, name, details in events:
        serial = json.loads(details).get("serialNumber")
        if serial:
            last_event[(account_id, serial)] = name
    for device in devices:
        assigned = device.user_id is not None
        if assigned != (device.enabled_at is not None):
            report.problems.append(f"device {device.serial}: assigned={assigned} but enable date {device.enabled_at}")
        latest = last_event.get((device.account_id, device.serial))
        if assigned and latest != "EnableMFADevice":
            report.problems.append(f"device {device.serial} is assigned without an EnableMFADevice event")
        if not assigned and latest == "EnableMFADevice":
            report.problems.append(f"device {device.serial} has an EnableMFADevice event but is not assigned")


def _check_audit_heads(c: sa.Connection, report: ConsistencyReport) -> None:
    e = audit_events.c
    tails = {
        row.chain: (int(row.n), int(row.max_seq or 0), int(row.min_seq or 0))
        for row in c.execute(
            sa.select(
                e.chain,
                sa.func.count().label("n"),
                sa.func.max(e.seq).label("max_seq"),
                sa.func.min(e.seq).label("min_seq"),
            ).group_by(e.chain)
        )
    }
    heads = {row.chain: (int(row.seq), row.hash) for row in c.execute(sa.select(audit_heads))}
    report.counts["audit_chains"] = len(heads)
    report.counts["audit_events"] = sum(count for count, _, _ in tails.values())
    for chain, (seq, digest) in heads.items():
        count, max_seq, min_seq = tails.get(chain, (0, 0, 0))
        if seq != max_seq or count != max_seq or (count and min_seq != 1):
            report.problems.append(f"audit chain {chain}: head at {seq}, events 1..{max_seq} with {count} rows")
            continue
        if count:
            last_hash = c.execute(sa.select(e.hash).where(e.chain == chain, e.seq == seq)).scalar_one()
            if last_hash != digest:
                report.problems.append(f"audit chain {chain}: the head's hash is not its last event's")
    for chain in tails.keys() - heads.keys():
        report.problems.append(f"audit chain {chain} has events but no head")


def _check_key_ids(c: sa.Connection, keyring: KeyRing, report: ConsistencyReport) -> None:
    known = set(keyring.key_ids)
    columns: Iterable[tuple[str, sa.Column[str]]] = (
        ("mfa_devices", mfa_devices.c.seed_key_id),
        ("access_keys", access_keys.c.secret_key_id),
    )
    for table, column in columns:
        for (key_id,) in c.execute(sa.select(column).distinct()):
            if key_id not in known:
                report.problems.append(f"{table}: values sealed under key {key_id!r}, which keys.json does not hold")
