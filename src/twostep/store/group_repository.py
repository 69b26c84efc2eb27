"""Groups and their members in SQL."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.groups.models import Group
from twostep.identity.models import User
from twostep.store.identity_repository import SqlUserRepository
from twostep.store.prepared import Prepared
from twostep.store.tables import (
    group_members,
    group_policies,
    group_policy_attachments,
    iam_groups,
    managed_policies,
    users,
)

g = iam_groups.c
gm = group_members.c


def _group(row: sa.Row[tuple[object, ...]]) -> Group:
    m = row._mapping
    return Group(m["id"], m["account_id"], m["name"], m["path"], m["created_at"])


def _group_documents() -> sa.Select[str]:
    """The inline documents of a user's groups, then their attached managed policies, in one query."""
    inline = (
        sa.select(
            group_policies.c.document.label("document"),
            sa.literal(0).label("kind"),
            group_policies.c.group_id.label("owner"),
            group_policies.c.name.label("key"),
        )
        .join(group_members, gm.group_id == group_policies.c.group_id)
        .where(gm.user_id == sa.bindparam("user_id"))
    )
    attached = (
        sa.select(
            managed_policies.c.document.label("document"),
            sa.literal(1).label("kind"),
            group_policy_attachments.c.group_id.label("owner"),
            managed_policies.c.arn.label("key"),
        )
        .join(group_policy_attachments, group_policy_attachments.c.policy_arn == managed_policies.c.arn)
        .join(group_members, gm.group_id == group_policy_attachments.c.group_id)
        .where(gm.user_id == sa.bindparam("user_id"))
    )
    union = sa.union_all(inline, attached).subquery()
    return sa.select(union.c.document).order_by(union.c.kind, union.c.owner, union.c.key)


# Built once: every authorised API call runs it (building a UNION costs more than running it).
_GROUP_DOCUMENTS = Prepared(_group_documents())


class SqlGroupRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, group: Group) -> None:
        self._c.execute(
            iam_groups.insert().values(
                id=group.id,
                account_id=group.account_id,
                name=group.name,
                name_key=group.name.lower(),
                path=group.path,
                created_at=group.created_at,
            )
        )

    def get(self, group_id: str) -> Group | None:
        row = self._c.execute(sa.select(iam_groups).where(g.id == group_id)).first()
        return _group(row) if row is not None else None

    def by_name(self, account_id: str, name: str) -> Group | None:
        query = sa.select(iam_groups).where(g.account_id == account_id, g.name_key == name.lower())
        row = self._c.execute(query).first()
        return _group(row) if row is not None else None

    def in_account(self, account_id: str, path_prefix: str = "/") -> list[Group]:
        query = (
            sa.select(iam_groups)
            .where(g.account_id == account_id, g.path.startswith(path_prefix, autoescape=True))
            .order_by(g.name_key)
        )
        return [_group(row) for row in self._c.execute(query).all()]

    def count(self, account_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(g.account_id == account_id)).scalar_one())

    def lock(self, group_id: str) -> None:
        self._c.execute(iam_groups.update().where(g.id == group_id).values(name=g.name))

    def delete(self, group_id: str) -> None:
        self._c.execute(group_members.delete().where(gm.group_id == group_id))
        self._c.execute(group_policies.delete().where(group_policies.c.group_id == group_id))
        self._c.execute(group_policy_attachments.delete().where(group_policy_attachments.c.group_id == group_id))
        self._c.execute(iam_groups.delete().where(g.id == group_id))

    # -- membership -------------------------------------------------------------------------------------------

    def add_member(self, group_id: str, user_id: str) -> bool:
        exists = self._c.execute(sa.select(gm.user_id).where(gm.group_id == group_id, gm.user_id == user_id)).first()
        if exists is not None:
            return False
        self._c.execute(group_members.insert().values(group_id=group_id, user_id=user_id))
        return True

    def remove_member(self, group_id: str, user_id: str) -> bool:
        result = self._c.execute(group_members.delete().where(gm.group_id == group_id, gm.user_id == user_id))
        return result.rowcount == 1

    def members(self, group_id: str) -> list[User]:
        query = (
            sa.select(users.c.id).join(group_members, gm.user_id == users.c.id).where(gm.group_id == group_id)
        ).order_by(users.c.name_key)
        found = SqlUserRepository(self._c)
        listed = [found.get(user_id) for (user_id,) in self._c.execute(query).all()]
        return [user for user in listed if user is not None]

    def count_members(self, group_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(gm.group_id == group_id)).scalar_one())

    def for_user(self, user_id: str) -> list[Group]:
        query = (sa.select(iam_groups).join(group_members, gm.group_id == g.id).where(gm.user_id == user_id)).order_by(
            g.name_key
        )
        return [_group(row) for row in self._c.execute(query).all()]

    def count_for_user(self, user_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(gm.user_id == user_id)).scalar_one())

    def policy_documents_for_user(self, user_id: str) -> list[str]:
        """One query: the inline documents of the user's groups, then their attached managed policies."""
        return [row.document for row in _GROUP_DOCUMENTS.all(self._c, {"user_id": user_id})]
