"""Accounts in SQL: the account row and its settings (required MFA, whether users may change their password)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from twostep.identity.models import Account
from twostep.store.tables import accounts


class SqlAccountRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, account: Account) -> None:
        self._c.execute(accounts.insert().values(id=account.id, created_at=account.created_at))

    @staticmethod
    def _account(row: Any) -> Account:
        return Account(row.id, row.created_at, row.require_mfa, row.mfa_grace_until, row.allow_users_to_change_password)

    def get(self, account_id: str) -> Account | None:
        row = self._c.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
        return self._account(row) if row else None

    def all(self) -> list[Account]:
        rows = self._c.execute(sa.select(accounts).order_by(accounts.c.created_at)).all()
        return [self._account(r) for r in rows]

    def set_mfa_requirement(self, account_id: str, required: bool, grace_until: float | None) -> None:
        self._c.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(require_mfa=required, mfa_grace_until=grace_until)
        )

    def set_users_may_change_password(self, account_id: str, allowed: bool) -> None:
        self._c.execute(
            accounts.update().where(accounts.c.id == account_id).values(allow_users_to_change_password=allowed)
        )
