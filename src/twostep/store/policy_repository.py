"""Managed policies in SQL (the policies users, groups and roles own: owned_policy_repository.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.policy.stored.models import ManagedPolicy
from twostep.store.tables import (
    group_policy_attachments,
    iam_groups,
    managed_policies,
    role_policy_attachments,
    roles,
    user_policy_attachments,
    users,
)

m = managed_policies.c


def _managed(row: Mapping[Any, Any]) -> ManagedPolicy:
    return ManagedPolicy(
        arn=row["arn"],
        account_id=row["account_id"],
        policy_id=row["policy_id"],
        name=row["name"],
        path=row["path"],
        description=row["description"],
        document=row["document"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        default_version_id=row["default_version_id"],
    )


class SqlPolicyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    # -- managed ----------------------------------------------------------------------------------------------

    @staticmethod
    def _values(policy: ManagedPolicy) -> dict[str, object]:
        return {
            "arn": policy.arn,
            "account_id": policy.account_id,
            "policy_id": policy.policy_id,
            "name": policy.name,
            "path": policy.path,
            "description": policy.description,
            "document": policy.document,
            "default_version_id": policy.default_version_id,
            "created_at": policy.created_at,
            "updated_at": policy.updated_at,
        }

    def add_managed(self, policy: ManagedPolicy) -> None:
        self._c.execute(managed_policies.insert().values(self._values(policy)))

    def ensure_managed(self, policy: ManagedPolicy) -> None:
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        self._c.execute(dialect.insert(managed_policies).values(self._values(policy)).on_conflict_do_nothing())

    def get_managed(self, arn: str) -> ManagedPolicy | None:
        row = self._c.execute(sa.select(managed_policies).where(m.arn == arn)).first()
        return _managed(row._mapping) if row else None

    def managed_by_name(self, account_id: str, name: str) -> ManagedPolicy | None:
        query = sa.select(managed_policies).where(m.account_id == account_id, sa.func.lower(m.name) == name.lower())
        row = self._c.execute(query).first()
        return _managed(row._mapping) if row else None

    def managed_in(self, account_id: str | None) -> list[ManagedPolicy]:
        owner = m.account_id.is_(None) if account_id is None else m.account_id == account_id
        rows = self._c.execute(sa.select(managed_policies).where(owner).order_by(m.arn)).all()
        return [_managed(r._mapping) for r in rows]

    def count_managed(self, account_id: str) -> int:
        query = sa.select(sa.func.count()).select_from(managed_policies).where(m.account_id == account_id)
        return int(self._c.execute(query).scalar_one())

    def delete_managed(self, arn: str) -> None:
        self._c.execute(managed_policies.delete().where(m.arn == arn))

    def attachment_count(self, arn: str, account_id: str | None = None) -> int:
        """Attachments to users, roles and groups."""
        total = 0
        for attachments, owners, column in (
            (user_policy_attachments, users, "user_id"),
            (role_policy_attachments, roles, "role_id"),
            (group_policy_attachments, iam_groups, "group_id"),
        ):
            query = sa.select(sa.func.count()).select_from(attachments).where(attachments.c.policy_arn == arn)
            if account_id is not None:
                query = query.join(owners, owners.c.id == attachments.c[column]).where(
                    owners.c.account_id == account_id
                )
            total += int(self._c.execute(query).scalar_one())
        return total
