"""Users and access keys in SQL (accounts: account_repository.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.identity.models import AccessKey, Tag, User
from twostep.store.prepared import Prepared, ids_parameter, in_ids
from twostep.store.tables import access_keys, user_tags, users
from twostep.store.tag_rows import tags_by_owner

# Built once (see device_repository): every API call resolves its access key and user with these.
# A user and its tags come in one query (a row per tag, or one row with NULL tag columns).
USER_WITH_TAGS = sa.select(users, user_tags.c.key.label("tag_key"), user_tags.c.value.label("tag_value")).outerjoin(
    user_tags, user_tags.c.user_id == users.c.id
)
_USER_BY_ID = Prepared(USER_WITH_TAGS.where(users.c.id == sa.bindparam("user_id")).order_by(user_tags.c.position))
_USER_BY_NAME = Prepared(
    USER_WITH_TAGS.where(
        users.c.account_id == sa.bindparam("account_id"), users.c.name_key == sa.bindparam("name_key")
    ).order_by(user_tags.c.position)
)
_ROOT_BY_EMAIL = Prepared(
    USER_WITH_TAGS.where(users.c.email == sa.bindparam("email"), users.c.is_root.is_(True)).order_by(
        user_tags.c.position
    )
)
# Users by id, whatever the number of ids (their tags: tag_rows.tags_by_owner).
_USERS_BY_IDS = {
    dialect: Prepared(sa.select(users).where(condition)) for dialect, condition in in_ids(users.c.id, "ids").items()
}
_RESERVE_PASSWORD = Prepared(
    users.update()
    .where(
        users.c.id == sa.bindparam("b_user_id"),
        users.c.password_failures < sa.bindparam("b_limit"),
        users.c.password_next_attempt_at <= sa.bindparam("b_now"),
    )
    .values(password_failures=users.c.password_failures + 1)
    .returning(users.c.password_failures)
)
_PASSWORD_SUCCEEDED = Prepared(
    users.update()
    .where(users.c.id == sa.bindparam("b_user_id"))
    .values(password_failures=0, password_next_attempt_at=0, password_last_used=sa.bindparam("b_now"))
)
_SET_PASSWORD_DELAY = Prepared(
    users.update()
    .where(users.c.id == sa.bindparam("b_user_id"))
    .values(password_next_attempt_at=sa.bindparam("b_next_attempt_at"))
)
_ACCESS_KEY = Prepared(sa.select(access_keys).where(access_keys.c.id == sa.bindparam("key_id")))
# A key with its user and the user's tags: the user's columns under their own names, the key's prefixed.
_KEY_PREFIX = "key_"
_KEY_FIELDS = ("id", "user_id", "account_id", "status", "created_at", "last_used_at", "last_used_service")
_ACCESS_KEY_WITH_OWNER = Prepared(
    sa.select(
        *(c.label(_KEY_PREFIX + c.key) for c in access_keys.c),
        users,
        user_tags.c.key.label("tag_key"),
        user_tags.c.value.label("tag_value"),
    )
    .join(users, users.c.id == access_keys.c.user_id)
    .outerjoin(user_tags, user_tags.c.user_id == users.c.id)
    .where(access_keys.c.id == sa.bindparam("key_id"))
    .order_by(user_tags.c.position)
)


class SqlUserRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def _user(self, row: sa.Row[tuple[object, ...]] | None) -> User | None:
        if row is None:
            return None
        return self._users([row])[0]

    def _users(self, rows: Sequence[Any]) -> list[User]:
        """Users of many rows with the tags of all of them in one query (not one query per user)."""
        if not rows:
            return []
        tags = tags_by_owner(self._c, user_tags.c.user_id, [row.id for row in rows])
        return [self._from_row(row, tags.get(row.id, ())) for row in rows]

    @staticmethod
    def _from_row(row: Any, tags: tuple[Tag, ...]) -> User:
        """A user from a row of SQLAlchemy's or of a Prepared statement (both read by attribute)."""
        return User(
            id=row.id,
            account_id=row.account_id,
            name=row.name,
            path=row.path,
            is_root=row.is_root,
            email=row.email,
            password_hash=row.password_hash,
            created_at=row.created_at,
            password_last_used=row.password_last_used,
            password_changed_at=row.password_changed_at,
            password_reset_required=row.password_reset_required,
            tags=tags,
        )

    def _one(self, where: sa.ColumnElement[bool]) -> User | None:
        return self._user(self._c.execute(sa.select(users).where(where)).first())

    def add(self, user: User) -> None:
        self._c.execute(
            users.insert().values(
                id=user.id,
                account_id=user.account_id,
                name=user.name,
                name_key=None if user.is_root else user.name.lower(),
                path=user.path,
                is_root=user.is_root,
                email=user.email,
                password_hash=user.password_hash,
                password_reset_required=user.password_reset_required,
                password_changed_at=user.created_at if user.password_hash else None,
                created_at=user.created_at,
            )
        )
        self.set_tags(user.id, user.tags)

    def get(self, user_id: str) -> User | None:
        return joined_user(_USER_BY_ID.all(self._c, {"user_id": user_id}))

    def by_ids(self, user_ids: Collection[str]) -> dict[str, User]:
        if not user_ids:
            return {}
        statement = _USERS_BY_IDS[self._c.dialect.name]
        rows = statement.all(self._c, {"ids": ids_parameter(self._c, set(user_ids))})
        return {user.id: user for user in self._users(rows)}

    def by_name(self, account_id: str, name: str) -> User | None:
        return joined_user(_USER_BY_NAME.all(self._c, {"account_id": account_id, "name_key": name.lower()}))

    def root_by_email(self, email: str) -> User | None:
        return joined_user(_ROOT_BY_EMAIL.all(self._c, {"email": email.lower()}))

    def root_of(self, account_id: str) -> User:
        user = self._one(sa.and_(users.c.account_id == account_id, users.c.is_root.is_(True)))
        if user is None:
            raise LookupError(f"account {account_id} has no root user")
        return user

    def list(self, account_id: str, path_prefix: str = "/") -> list[User]:
        rows = self._c.execute(
            sa.select(users)
            .where(users.c.account_id == account_id, users.c.is_root.is_(False))
            .where(users.c.path.startswith(path_prefix, autoescape=True))
            .order_by(users.c.name_key)
        ).all()
        return self._users(rows)

    def count(self, account_id: str) -> int:
        query = sa.select(sa.func.count()).where(users.c.account_id == account_id, users.c.is_root.is_(False))
        return int(self._c.execute(query).scalar_one())

    def lock(self, user_id: str) -> None:
        self._c.execute(users.update().where(users.c.id == user_id).values(revision=users.c.revision + 1))

    def set_password(self, user_id: str, password_hash: str | None, reset_required: bool, now: float) -> None:
        self._c.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(
                password_hash=password_hash,
                password_reset_required=reset_required,
                password_changed_at=now,
                password_failures=0,
                password_next_attempt_at=0,
            )
        )

    def set_tags(self, user_id: str, tags: tuple[Tag, ...]) -> None:
        self._c.execute(user_tags.delete().where(user_tags.c.user_id == user_id))
        if tags:
            self._c.execute(
                user_tags.insert(),
                [{"user_id": user_id, "position": i, "key": t.key, "value": t.value} for i, t in enumerate(tags)],
            )

    def delete(self, user_id: str) -> None:
        self._c.execute(user_tags.delete().where(user_tags.c.user_id == user_id))
        self._c.execute(users.delete().where(users.c.id == user_id))

    def reserve_password_attempt(self, user_id: str, now: float, limit: int) -> int | None:
        row = _RESERVE_PASSWORD.first(self._c, {"b_user_id": user_id, "b_limit": limit, "b_now": now})
        return None if row is None else int(row[0])

    def password_throttle(self, user_id: str) -> tuple[int, float]:
        row = self._c.execute(
            sa.select(users.c.password_failures, users.c.password_next_attempt_at).where(users.c.id == user_id)
        ).one()
        return int(row[0]), float(row[1])

    def set_password_delay(self, user_id: str, next_attempt_at: float) -> None:
        _SET_PASSWORD_DELAY.owe(self._c, {"b_user_id": user_id, "b_next_attempt_at": next_attempt_at})

    def password_succeeded(self, user_id: str, now: float) -> None:
        _PASSWORD_SUCCEEDED.owe(self._c, {"b_user_id": user_id, "b_now": now})

    def reset_password_failures(self, user_id: str) -> None:
        self._c.execute(
            users.update().where(users.c.id == user_id).values(password_failures=0, password_next_attempt_at=0)
        )


class SqlAccessKeyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _key(row: Any, prefix: str = "") -> AccessKey:
        """A key from a row whose key columns are named with `prefix`."""
        return AccessKey(
            **{field: getattr(row, prefix + field) for field in _KEY_FIELDS},
        )

    def add(self, key: AccessKey, secret: Sealed) -> None:
        self._c.execute(
            access_keys.insert().values(
                id=key.id,
                user_id=key.user_id,
                account_id=key.account_id,
                secret_key_id=secret.key_id,
                secret_blob=secret.blob,
                status=key.status,
                created_at=key.created_at,
            )
        )

    def get(self, key_id: str) -> tuple[AccessKey, Sealed] | None:
        row = _ACCESS_KEY.first(self._c, {"key_id": key_id})
        if row is None:
            return None
        return self._key(row), Sealed(row.secret_key_id, row.secret_blob)

    def get_with_owner(self, key_id: str) -> tuple[AccessKey, Sealed, User] | None:
        rows = _ACCESS_KEY_WITH_OWNER.all(self._c, {"key_id": key_id})
        if not rows:
            return None
        first = rows[0]
        key = self._key(first, _KEY_PREFIX)
        tags = tuple(Tag(row.tag_key, row.tag_value) for row in rows if row.tag_key is not None)
        user = SqlUserRepository._from_row(first, tags)
        return key, Sealed(first.key_secret_key_id, first.key_secret_blob), user

    def for_user(self, user_id: str) -> list[AccessKey]:
        rows = self._c.execute(
            sa.select(access_keys).where(access_keys.c.user_id == user_id).order_by(access_keys.c.created_at)
        ).all()
        return [self._key(r) for r in rows]

    def set_status(self, key_id: str, status: str) -> None:
        self._c.execute(access_keys.update().where(access_keys.c.id == key_id).values(status=status))

    def touch(self, key_id: str, now: float, service: str) -> None:
        self._c.execute(
            access_keys.update().where(access_keys.c.id == key_id).values(last_used_at=now, last_used_service=service)
        )

    def delete(self, key_id: str) -> None:
        self._c.execute(access_keys.delete().where(access_keys.c.id == key_id))


def joined_user(rows: Sequence[Any]) -> User | None:
    """One user from the rows of USER_WITH_TAGS (its tags in order), or None."""
    if not rows:
        return None
    tags = tuple(Tag(row.tag_key, row.tag_value) for row in rows if row.tag_key is not None)
    return SqlUserRepository._from_row(rows[0], tags)
