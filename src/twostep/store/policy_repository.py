"""Managed policies, inline user policies and attachments in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from twostep.policy.managed import InlinePolicy, ManagedPolicy
from twostep.store.prepared import Prepared
from twostep.store.tables import (
    group_policy_attachments,
    iam_groups,
    managed_policies,
    role_policy_attachments,
    roles,
    user_policies,
    user_policy_attachments,
    users,
)

m = managed_policies.c
i = user_policies.c
a = user_policy_attachments.c

# Built once: every authorised API call reads the caller's policies with these.
_INLINE_FOR = Prepared(sa.select(user_policies).where(i.user_id == sa.bindparam("user_id")).order_by(i.name))
_ATTACHED_TO = Prepared(
    sa.select(managed_policies)
    .join(user_policy_attachments, a.policy_arn == m.arn)
    .where(a.user_id == sa.bindparam("user_id"))
    .order_by(m.arn)
)


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

    # -- inline -----------------------------------------------------------------------------------------------

    def put_inline(self, policy: InlinePolicy) -> None:
        self._c.execute(user_policies.delete().where(i.user_id == policy.user_id, i.name == policy.name))
        self._c.execute(
            user_policies.insert().values(user_id=policy.user_id, name=policy.name, document=policy.document)
        )

    def get_inline(self, user_id: str, name: str) -> InlinePolicy | None:
        row = self._c.execute(sa.select(user_policies).where(i.user_id == user_id, i.name == name)).first()
        return InlinePolicy(row.user_id, row.name, row.document) if row else None

    def inline_for(self, user_id: str) -> list[InlinePolicy]:
        rows = _INLINE_FOR.all(self._c, {"user_id": user_id})
        return [InlinePolicy(r.user_id, r.name, r.document) for r in rows]

    def delete_inline(self, user_id: str, name: str) -> bool:
        result = self._c.execute(user_policies.delete().where(i.user_id == user_id, i.name == name))
        return result.rowcount == 1

    def count_inline(self, user_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(i.user_id == user_id)).scalar_one())

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

    # -- attachments ------------------------------------------------------------------------------------------

    def attach(self, user_id: str, arn: str) -> bool:
        exists = self._c.execute(sa.select(a.user_id).where(a.user_id == user_id, a.policy_arn == arn)).first()
        if exists is not None:
            return False
        self._c.execute(user_policy_attachments.insert().values(user_id=user_id, policy_arn=arn))
        return True

    def detach(self, user_id: str, arn: str) -> bool:
        result = self._c.execute(user_policy_attachments.delete().where(a.user_id == user_id, a.policy_arn == arn))
        return result.rowcount == 1

    def attached_to(self, user_id: str) -> list[ManagedPolicy]:
        return [_managed(r._asdict()) for r in _ATTACHED_TO.all(self._c, {"user_id": user_id})]

    def count_attached(self, user_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(a.user_id == user_id)).scalar_one())

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
