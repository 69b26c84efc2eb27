"""Roles and their tags in SQL. Deleting a role ends its sessions (temporary_credentials.role_id)."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.identity.models import Tag
from twostep.roles.models import Role
from twostep.store.tables import role_policies, role_policy_attachments, role_tags, roles, temporary_credentials
from twostep.store.tag_rows import tags_by_owner

r = roles.c


class SqlRoleRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def _roles(self, rows: list[sa.Row[tuple[object, ...]]]) -> list[Role]:
        tags = tags_by_owner(self._c, role_tags.c.role_id, [row.id for row in rows])
        found = []
        for row in rows:
            m = row._mapping
            found.append(
                Role(
                    id=m["id"],
                    account_id=m["account_id"],
                    name=m["name"],
                    path=m["path"],
                    trust_policy=m["trust_policy"],
                    created_at=m["created_at"],
                    description=m["description"],
                    max_session_duration=m["max_session_duration"],
                    tags=tags.get(m["id"], ()),
                )
            )
        return found

    def _one(self, where: sa.ColumnElement[bool]) -> Role | None:
        row = self._c.execute(sa.select(roles).where(where)).first()
        return self._roles([row])[0] if row is not None else None

    def add(self, role: Role) -> None:
        self._c.execute(
            roles.insert().values(
                id=role.id,
                account_id=role.account_id,
                name=role.name,
                name_key=role.name.lower(),
                path=role.path,
                description=role.description,
                max_session_duration=role.max_session_duration,
                trust_policy=role.trust_policy,
                created_at=role.created_at,
            )
        )
        self.set_tags(role.id, role.tags)

    def get(self, role_id: str) -> Role | None:
        return self._one(r.id == role_id)

    def by_name(self, account_id: str, name: str) -> Role | None:
        return self._one(sa.and_(r.account_id == account_id, r.name_key == name.lower()))

    def list(self, account_id: str, path_prefix: str = "/") -> list[Role]:
        query = (
            sa.select(roles)
            .where(r.account_id == account_id, r.path.startswith(path_prefix, autoescape=True))
            .order_by(r.name_key)
        )
        return self._roles(list(self._c.execute(query).all()))

    def count(self, account_id: str) -> int:
        return int(self._c.execute(sa.select(sa.func.count()).where(r.account_id == account_id)).scalar_one())

    def lock(self, role_id: str) -> None:
        # A no-op write takes the row lock (PostgreSQL) for the rest of the transaction.
        self._c.execute(roles.update().where(r.id == role_id).values(name=r.name))

    def set_trust_policy(self, role_id: str, document: str) -> None:
        self._c.execute(roles.update().where(r.id == role_id).values(trust_policy=document))

    def set_tags(self, role_id: str, tags: tuple[Tag, ...]) -> None:
        self._c.execute(role_tags.delete().where(role_tags.c.role_id == role_id))
        if tags:
            self._c.execute(
                role_tags.insert(),
                [{"role_id": role_id, "position": i, "key": t.key, "value": t.value} for i, t in enumerate(tags)],
            )

    def delete(self, role_id: str) -> None:
        # Explicit rather than trusting ON DELETE CASCADE alone, so the sessions end on every engine.
        self._c.execute(temporary_credentials.delete().where(temporary_credentials.c.role_id == role_id))
        self._c.execute(role_tags.delete().where(role_tags.c.role_id == role_id))
        self._c.execute(role_policies.delete().where(role_policies.c.role_id == role_id))
        self._c.execute(role_policy_attachments.delete().where(role_policy_attachments.c.role_id == role_id))
        self._c.execute(roles.delete().where(r.id == role_id))
