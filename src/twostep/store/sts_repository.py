"""Temporary (STS) credentials in SQL: the sealed secret and the session token's hash, never the token."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.store.prepared import Prepared
from twostep.store.tables import temporary_credentials
from twostep.sts.models import TemporaryCredential

t = temporary_credentials.c

# Built once (see device_repository): GetSessionToken runs these on every call.
_INSERT = Prepared(temporary_credentials.insert().values({c.key: sa.bindparam(c.key) for c in temporary_credentials.c}))
_GET = Prepared(sa.select(temporary_credentials).where(t.access_key_id == sa.bindparam("access_key_id")))
_DELETE_EXPIRED = Prepared(temporary_credentials.delete().where(t.expires_at < sa.bindparam("before")))


def _credential(row: Any) -> TemporaryCredential:
    return TemporaryCredential(
        access_key_id=row.access_key_id,
        user_id=row.user_id,
        account_id=row.account_id,
        token_hash=row.token_hash,
        issued_by=row.issued_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        mfa_authenticated_at=row.mfa_authenticated_at,
        mfa_serial=row.mfa_serial,
        role_id=row.role_id,
        session_name=row.session_name,
        session_policy=row.session_policy,
    )


class SqlTemporaryCredentialRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, credential: TemporaryCredential, secret: Sealed) -> None:
        _INSERT.owe(
            self._c,
            {
                "access_key_id": credential.access_key_id,
                "user_id": credential.user_id,
                "account_id": credential.account_id,
                "secret_key_id": secret.key_id,
                "secret_blob": secret.blob,
                "token_hash": credential.token_hash,
                "issued_by": credential.issued_by,
                "created_at": credential.created_at,
                "expires_at": credential.expires_at,
                "mfa_authenticated_at": credential.mfa_authenticated_at,
                "mfa_serial": credential.mfa_serial,
                "role_id": credential.role_id,
                "session_name": credential.session_name,
                "session_policy": credential.session_policy,
            },
        )

    def get(self, access_key_id: str) -> tuple[TemporaryCredential, Sealed] | None:
        row = _GET.first(self._c, {"access_key_id": access_key_id})
        if row is None:
            return None
        return _credential(row), Sealed(row.secret_key_id, row.secret_blob)

    def for_user(self, user_id: str) -> list[TemporaryCredential]:
        query = sa.select(temporary_credentials).where(t.user_id == user_id).order_by(t.created_at)
        return [_credential(row) for row in self._c.execute(query).all()]

    def delete_for_user(self, user_id: str) -> int:
        return int(self._c.execute(temporary_credentials.delete().where(t.user_id == user_id)).rowcount)

    def delete_expired(self, before: float) -> int:
        return _DELETE_EXPIRED.rowcount(self._c, {"before": before})
