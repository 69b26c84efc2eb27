"""Hardware tokens in SQL: their device rows (mfa_devices, kind 'hardware') and their seed digests."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.mfa.models import DeviceKind
from twostep.store.device_repository import SqlDeviceRepository, device_row
from twostep.store.tables import hardware_tokens, mfa_devices
from twostep.tokens.errors import ImportConflict
from twostep.tokens.ports import InstalledToken, NewToken, StaleDigest

d = mfa_devices.c
h = hardware_tokens.c


class SqlTokenRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def installed_serials(self, serials: Collection[str]) -> set[str]:
        if not serials:
            return set()
        rows = self._c.execute(sa.select(d.serial).where(d.serial.in_(list(serials))))
        return {row[0] for row in rows}

    def installed_digests(self, digests: Collection[str]) -> set[str]:
        if not digests:
            return set()
        rows = self._c.execute(sa.select(h.seed_digest).where(h.seed_digest.in_(list(digests))))
        return {row[0] for row in rows}

    def add_many(self, tokens: Sequence[NewToken], now: float) -> None:
        if not tokens:
            return
        digests = [
            {
                "device_id": t.device.id,
                "digest_key_id": t.digest_key_id,
                "seed_digest": t.seed_digest,
                "imported_at": now,
            }
            for t in tokens
        ]
        try:  # the unit of work rolls the whole batch back
            self._c.execute(mfa_devices.insert(), [device_row(t.device) for t in tokens])
            self._c.execute(hardware_tokens.insert(), digests)
        except sa.exc.IntegrityError:
            raise ImportConflict(
                "another import installed some of these tokens meanwhile: this import was undone; run it again"
            ) from None

    def pool(self, account_id: str) -> list[InstalledToken]:
        rows = self._c.execute(
            sa.select(d.id, h.imported_at)
            .join(hardware_tokens, h.device_id == d.id)
            .where(d.account_id == account_id, d.kind == DeviceKind.HARDWARE.value)
        ).all()
        imported = {row.id: float(row.imported_at) for row in rows}
        devices = SqlDeviceRepository(self._c).in_account(account_id)
        found = [InstalledToken(device, imported[device.id]) for device in devices if device.id in imported]
        return sorted(found, key=lambda token: token.device.serial)

    def delete_unassigned(self, device_id: str) -> bool:
        # Conditional, so that a token assigned meanwhile (EnableMFADevice in another transaction) is never removed.
        # Its digest and tags go with it (ON DELETE CASCADE).
        deleted = self._c.execute(mfa_devices.delete().where(d.id == device_id, d.user_id.is_(None)))
        return deleted.rowcount == 1

    def stale_digests(self, active_key_id: str, after_device_id: str, limit: int) -> list[StaleDigest]:
        rows = self._c.execute(
            sa.select(d.id, d.seed_key_id, d.seed_blob)
            .join(hardware_tokens, h.device_id == d.id)
            .where(h.digest_key_id != active_key_id, d.id > after_device_id)
            .order_by(d.id)
            .limit(limit)
        )
        return [StaleDigest(row.id, Sealed(row.seed_key_id, row.seed_blob)) for row in rows]

    def set_digest(self, device_id: str, key_id: str, digest: str) -> None:
        self._c.execute(
            hardware_tokens.update().where(h.device_id == device_id).values(digest_key_id=key_id, seed_digest=digest)
        )
