"""Passkey credentials and WebAuthn challenges in SQL.

A challenge is taken with one DELETE ... RETURNING: of two requests answering the same challenge, only one gets
it (the other's DELETE finds no row once the first commits), so a challenge is spent exactly once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from twostep.passkeys.models import Ceremony, Challenge, PasskeyCredential
from twostep.store.tables import mfa_devices, passkey_credentials, webauthn_challenges

p = passkey_credentials.c
w = webauthn_challenges.c


def _credential(r: Any) -> PasskeyCredential:
    return PasskeyCredential(
        device_id=r.device_id,
        credential_id=bytes(r.credential_id),
        public_key=bytes(r.public_key),
        sign_count=int(r.sign_count),
        transports=tuple(r.transports.split()),
        aaguid=r.aaguid,
        backup_eligible=bool(r.backup_eligible),
        backed_up=bool(r.backed_up),
        rp_id=r.rp_id,
        created_at=r.created_at,
        last_used_at=r.last_used_at,
    )


class SqlPasskeyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, credential: PasskeyCredential) -> None:
        self._c.execute(
            passkey_credentials.insert().values(
                device_id=credential.device_id,
                credential_id=credential.credential_id,
                public_key=credential.public_key,
                sign_count=credential.sign_count,
                transports=" ".join(credential.transports),
                aaguid=credential.aaguid,
                backup_eligible=credential.backup_eligible,
                backed_up=credential.backed_up,
                rp_id=credential.rp_id,
                created_at=credential.created_at,
                last_used_at=credential.last_used_at,
            )
        )

    def _one(self, where: sa.ColumnElement[bool]) -> PasskeyCredential | None:
        row = self._c.execute(sa.select(passkey_credentials).where(where)).first()
        return _credential(row) if row is not None else None

    def for_device(self, device_id: str) -> PasskeyCredential | None:
        return self._one(p.device_id == device_id)

    def by_credential_id(self, credential_id: bytes) -> PasskeyCredential | None:
        return self._one(p.credential_id == credential_id)

    def for_user(self, user_id: str) -> list[PasskeyCredential]:
        query = (
            sa.select(passkey_credentials)
            .join(mfa_devices, mfa_devices.c.id == p.device_id)
            .where(mfa_devices.c.user_id == user_id)
            .order_by(p.created_at, p.device_id)
        )
        return [_credential(row) for row in self._c.execute(query)]

    def record_use(self, device_id: str, sign_count: int, backed_up: bool, now: float) -> None:
        self._c.execute(
            passkey_credentials.update()
            .where(p.device_id == device_id)
            .values(sign_count=sign_count, backed_up=backed_up, last_used_at=now)
        )


class SqlChallengeRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def put(self, session_hash: str, challenge: Challenge) -> None:
        ceremony = challenge.ceremony.value
        self._c.execute(webauthn_challenges.delete().where(w.session_hash == session_hash, w.ceremony == ceremony))
        self._c.execute(
            webauthn_challenges.insert().values(
                session_hash=session_hash,
                ceremony=ceremony,
                challenge=challenge.value,
                expires_at=challenge.expires_at,
                device_id=challenge.device_id,
            )
        )

    def take(self, session_hash: str, ceremony: str) -> Challenge | None:
        row = self._c.execute(
            webauthn_challenges.delete()
            .where(w.session_hash == session_hash, w.ceremony == ceremony)
            .returning(w.ceremony, w.challenge, w.expires_at, w.device_id)
        ).first()
        if row is None:
            return None
        return Challenge(bytes(row.challenge), Ceremony(row.ceremony), row.expires_at, row.device_id)
