"""The tags of many users, devices or roles in one query: one path for every tag table, whatever the number of
owners (their ids bound as one parameter, see prepared.in_ids)."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from twostep.identity.models import Tag
from twostep.store.prepared import Prepared, ids_parameter, in_ids

# Per tag table, per dialect: built on first use.
_STATEMENTS: dict[str, dict[str, Prepared]] = {}


def _statements(owner: sa.Column[str]) -> dict[str, Prepared]:
    table = owner.table
    found = _STATEMENTS.get(table.name)
    if found is None:
        columns = table.c
        found = _STATEMENTS[table.name] = {
            dialect: Prepared(
                sa.select(owner.label("owner"), columns.key, columns.value)
                .where(condition)
                .order_by(owner, columns.position)
            )
            for dialect, condition in in_ids(owner, "ids").items()
        }
    return found


def tags_by_owner(connection: sa.Connection, owner: sa.Column[str], ids: Collection[str]) -> dict[str, tuple[Tag, ...]]:
    """Each owner's tags in order, by owner id (owners without tags are absent); `owner` is the tag table's
    column naming the owner, e.g. user_tags.c.user_id."""
    if not ids:
        return {}
    statement = _statements(owner)[connection.dialect.name]
    tags: dict[str, list[Tag]] = {}
    for row in statement.all(connection, {"ids": ids_parameter(connection, set(ids))}):
        tags.setdefault(row.owner, []).append(Tag(row.key, row.value))
    return {owner_id: tuple(found) for owner_id, found in tags.items()}
