"""The inline policies and managed-policy attachments of users, groups and roles in SQL: one class, a pair of
tables per kind of owner."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from twostep.policy.stored.models import ManagedPolicy, OwnedPolicy
from twostep.policy.stored.ports import OwnerType
from twostep.store.policy_repository import _managed
from twostep.store.prepared import Prepared
from twostep.store.tables import (
    group_policies,
    group_policy_attachments,
    managed_policies,
    role_policies,
    role_policy_attachments,
    user_policies,
    user_policy_attachments,
)


@dataclass(frozen=True)
class _Tables:
    inline: sa.Table
    attachments: sa.Table
    owner: str  # the owner's column in both

    @property
    def inline_owner(self) -> sa.Column[str]:
        return self.inline.c[self.owner]

    @property
    def attached_owner(self) -> sa.Column[str]:
        return self.attachments.c[self.owner]


def _statements(tables: _Tables) -> tuple[Prepared, Prepared]:
    """Built once: every authorised API call reads its principal's policies with these."""
    inline = sa.select(tables.inline.c.name, tables.inline.c.document)
    inline_for = inline.where(tables.inline_owner == sa.bindparam("owner_id")).order_by(tables.inline.c.name)
    attached_to = (
        sa.select(managed_policies)
        .join(tables.attachments, tables.attachments.c.policy_arn == managed_policies.c.arn)
        .where(tables.attached_owner == sa.bindparam("owner_id"))
        .order_by(managed_policies.c.arn)
    )
    return Prepared(inline_for), Prepared(attached_to)


_TABLES: dict[OwnerType, _Tables] = {
    "user": _Tables(user_policies, user_policy_attachments, "user_id"),
    "group": _Tables(group_policies, group_policy_attachments, "group_id"),
    "role": _Tables(role_policies, role_policy_attachments, "role_id"),
}
_READS = {owner: _statements(tables) for owner, tables in _TABLES.items()}


class SqlOwnedPolicyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def put_inline(self, owner: OwnerType, policy: OwnedPolicy) -> None:
        t = _TABLES[owner]
        self._c.execute(t.inline.delete().where(t.inline_owner == policy.owner_id, t.inline.c.name == policy.name))
        self._c.execute(
            t.inline.insert().values({t.owner: policy.owner_id, "name": policy.name, "document": policy.document})
        )

    def get_inline(self, owner: OwnerType, owner_id: str, name: str) -> OwnedPolicy | None:
        t = _TABLES[owner]
        query = sa.select(t.inline.c.name, t.inline.c.document).where(
            t.inline_owner == owner_id, t.inline.c.name == name
        )
        row = self._c.execute(query).first()
        return OwnedPolicy(owner_id, row.name, row.document) if row else None

    def inline_for(self, owner: OwnerType, owner_id: str) -> list[OwnedPolicy]:
        rows = _READS[owner][0].all(self._c, {"owner_id": owner_id})
        return [OwnedPolicy(owner_id, r.name, r.document) for r in rows]

    def delete_inline(self, owner: OwnerType, owner_id: str, name: str) -> bool:
        t = _TABLES[owner]
        result = self._c.execute(t.inline.delete().where(t.inline_owner == owner_id, t.inline.c.name == name))
        return result.rowcount == 1

    def count_inline(self, owner: OwnerType, owner_id: str) -> int:
        t = _TABLES[owner]
        return int(self._c.execute(sa.select(sa.func.count()).where(t.inline_owner == owner_id)).scalar_one())

    def attach(self, owner: OwnerType, owner_id: str, arn: str) -> bool:
        t = _TABLES[owner]
        a = t.attachments.c
        exists = self._c.execute(
            sa.select(a.policy_arn).where(t.attached_owner == owner_id, a.policy_arn == arn)
        ).first()
        if exists is not None:
            return False
        self._c.execute(t.attachments.insert().values({t.owner: owner_id, "policy_arn": arn}))
        return True

    def detach(self, owner: OwnerType, owner_id: str, arn: str) -> bool:
        t = _TABLES[owner]
        where = (t.attached_owner == owner_id, t.attachments.c.policy_arn == arn)
        return self._c.execute(t.attachments.delete().where(*where)).rowcount == 1

    def attached_to(self, owner: OwnerType, owner_id: str) -> list[ManagedPolicy]:
        return [_managed(r._asdict()) for r in _READS[owner][1].all(self._c, {"owner_id": owner_id})]

    def count_attached(self, owner: OwnerType, owner_id: str) -> int:
        t = _TABLES[owner]
        return int(self._c.execute(sa.select(sa.func.count()).where(t.attached_owner == owner_id)).scalar_one())
