"""Inline policies and managed-policy attachments of roles and of groups in SQL: one class, two pairs of tables."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.policy.managed import ManagedPolicy, OwnedPolicy
from twostep.store.policy_repository import _managed
from twostep.store.tables import (
    group_policies,
    group_policy_attachments,
    managed_policies,
    role_policies,
    role_policy_attachments,
)


class SqlOwnedPolicyRepository:
    def __init__(self, connection: sa.Connection, inline: sa.Table, attachments: sa.Table, owner: str) -> None:
        self._c = connection
        self._inline = inline
        self._attachments = attachments
        self._i_owner = inline.c[owner]
        self._a_owner = attachments.c[owner]

    def put_inline(self, policy: OwnedPolicy) -> None:
        i = self._inline.c
        self._c.execute(self._inline.delete().where(self._i_owner == policy.owner_id, i.name == policy.name))
        self._c.execute(
            self._inline.insert().values(
                {self._i_owner.name: policy.owner_id, "name": policy.name, "document": policy.document}
            )
        )

    def get_inline(self, owner_id: str, name: str) -> OwnedPolicy | None:
        query = sa.select(self._inline.c.name, self._inline.c.document).where(
            self._i_owner == owner_id, self._inline.c.name == name
        )
        row = self._c.execute(query).first()
        return OwnedPolicy(owner_id, row.name, row.document) if row else None

    def inline_for(self, owner_id: str) -> list[OwnedPolicy]:
        query = (
            sa.select(self._inline.c.name, self._inline.c.document)
            .where(self._i_owner == owner_id)
            .order_by(self._inline.c.name)
        )
        return [OwnedPolicy(owner_id, r.name, r.document) for r in self._c.execute(query).all()]

    def delete_inline(self, owner_id: str, name: str) -> bool:
        result = self._c.execute(self._inline.delete().where(self._i_owner == owner_id, self._inline.c.name == name))
        return result.rowcount == 1

    def attach(self, owner_id: str, arn: str) -> bool:
        a = self._attachments.c
        exists = self._c.execute(sa.select(a.policy_arn).where(self._a_owner == owner_id, a.policy_arn == arn)).first()
        if exists is not None:
            return False
        self._c.execute(self._attachments.insert().values({self._a_owner.name: owner_id, "policy_arn": arn}))
        return True

    def detach(self, owner_id: str, arn: str) -> bool:
        a = self._attachments.c
        result = self._c.execute(self._attachments.delete().where(self._a_owner == owner_id, a.policy_arn == arn))
        return result.rowcount == 1

    def attached_to(self, owner_id: str) -> list[ManagedPolicy]:
        m = managed_policies.c
        query = (
            sa.select(managed_policies)
            .join(self._attachments, self._attachments.c.policy_arn == m.arn)
            .where(self._a_owner == owner_id)
            .order_by(m.arn)
        )
        return [_managed(r._mapping) for r in self._c.execute(query).all()]


def role_policy_repository(connection: sa.Connection) -> SqlOwnedPolicyRepository:
    return SqlOwnedPolicyRepository(connection, role_policies, role_policy_attachments, "role_id")


def group_policy_repository(connection: sa.Connection) -> SqlOwnedPolicyRepository:
    return SqlOwnedPolicyRepository(connection, group_policies, group_policy_attachments, "group_id")
