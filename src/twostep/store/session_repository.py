"""Console sessions in SQL: any server process can serve any request."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from twostep.identity.models import User
from twostep.identity.session_endings import ENDED_SESSION_RETENTION, EndedSession, SessionEnd
from twostep.mfa.models import MfaDevice
from twostep.signin.models import Session, Stage
from twostep.store.batched_transaction import asserting
from twostep.store.device_repository import DEVICE_WITH_TAGS, joined_devices
from twostep.store.identity_repository import USER_WITH_TAGS, joined_user
from twostep.store.prepared import Prepared, all_together
from twostep.store.tables import ended_sessions, mfa_device_tags, mfa_devices, sessions, user_tags, users
from twostep.unit_of_work import WriteConditionFailed

s = sessions.c

# Built once: every console sign-in and page view runs these.
_INSERT = Prepared(sessions.insert().values({c.key: sa.bindparam(c.key) for c in sessions.c}))
_GET = Prepared(sa.select(sessions).where(s.id_hash == sa.bindparam("b_id_hash")))
_DELETE = Prepared(sessions.delete().where(s.id_hash == sa.bindparam("b_id_hash")))
_DELETE_AT_STAGE = sessions.delete().where(s.id_hash == sa.bindparam("b_id_hash"), s.stage == sa.bindparam("b_stage"))
_DELETE_AT_STAGE_OR_FAIL = Prepared(asserting(_DELETE_AT_STAGE.returning(s.id_hash).cte("deleted")))
_DELETE_AT_STAGE_COUNTED = Prepared(_DELETE_AT_STAGE)
# A session's user and the user's devices, keyed by the session: read with it in one round trip.
_SESSION_USER = sa.select(s.user_id).where(s.id_hash == sa.bindparam("b_id_hash")).scalar_subquery()
_USER_OF_SESSION = Prepared(USER_WITH_TAGS.where(users.c.id == _SESSION_USER).order_by(user_tags.c.position))
_DEVICES_OF_SESSION = Prepared(
    DEVICE_WITH_TAGS.where(mfa_devices.c.user_id == _SESSION_USER).order_by(
        mfa_devices.c.created_at, mfa_devices.c.id, mfa_device_tags.c.position
    )
)


class SqlSessionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, session: Session) -> None:
        _INSERT.owe(
            self._c,
            {
                "id_hash": session.id_hash,
                "user_id": session.user_id,
                "stage": session.stage.value,
                "created_at": session.created_at,
                "last_seen_at": session.last_seen_at,
                "authenticated_at": session.authenticated_at,
                "csrf_token": session.csrf_token,
                "mfa_at": session.mfa_at,
                "mfa_device_id": session.mfa_device_id,
                "data": json.dumps(session.data),
            },
        )

    def get(self, id_hash: str) -> Session | None:
        return _session(_GET.first(self._c, {"b_id_hash": id_hash}))

    def get_with_user(self, id_hash: str) -> tuple[Session, User | None, list[MfaDevice]] | None:
        """The session, its user and the user's MFA devices, read in one round trip."""
        params = {"b_id_hash": id_hash}
        found, user_rows, device_rows = all_together(
            self._c, (_GET, params), (_USER_OF_SESSION, params), (_DEVICES_OF_SESSION, params)
        )
        session = _session(found[0] if found else None)
        if session is None:
            return None
        return session, joined_user(user_rows), joined_devices(device_rows)

    def touch(self, id_hash: str, now: float) -> None:
        self._c.execute(sessions.update().where(s.id_hash == id_hash).values(last_seen_at=now))

    def set_data(self, id_hash: str, data: dict[str, Any]) -> None:
        self._c.execute(sessions.update().where(s.id_hash == id_hash).values(data=json.dumps(data)))

    def delete(self, id_hash: str) -> None:
        _DELETE.owe(self._c, {"b_id_hash": id_hash})

    def delete_at_stage(self, id_hash: str, stage: Stage) -> None:
        """Delete the session, which must be there at this stage: otherwise WriteConditionFailed, raised here or (on
        PostgreSQL, where the delete is owed) by a later call or the commit."""
        params = {"b_id_hash": id_hash, "b_stage": stage.value}
        if self._c.dialect.name == "postgresql":
            _DELETE_AT_STAGE_OR_FAIL.owe(self._c, params)
        elif _DELETE_AT_STAGE_COUNTED.rowcount(self._c, params) != 1:
            raise WriteConditionFailed()

    def delete_for_user(self, user_id: str, except_id_hash: str | None = None) -> int:
        query = sessions.delete().where(s.user_id == user_id)
        if except_id_hash is not None:
            query = query.where(s.id_hash != except_id_hash)
        return int(self._c.execute(query).rowcount)

    def end_for_user(self, user_id: str, reason: SessionEnd, now: float) -> int:
        """Delete the user's sessions and remember why, by each one's id hash; sweep records past retention."""
        e = ended_sessions.c
        self._c.execute(ended_sessions.delete().where(e.ended_at < now - ENDED_SESSION_RETENTION))
        remembered = sa.select(
            s.id_hash, s.user_id, sa.literal(reason.value, sa.String(32)), sa.literal(now, sa.Float)
        ).where(s.user_id == user_id)
        self._c.execute(ended_sessions.insert().from_select(["id_hash", "user_id", "reason", "ended_at"], remembered))
        return self.delete_for_user(user_id)

    def ended(self, id_hash: str, since: float) -> EndedSession | None:
        e = ended_sessions.c
        row = self._c.execute(sa.select(ended_sessions).where(e.id_hash == id_hash, e.ended_at >= since)).first()
        if row is None:
            return None
        try:
            reason = SessionEnd(row.reason)
        except ValueError:
            return None
        return EndedSession(reason, row.user_id, row.ended_at)

    def delete_expired(self, idle_before: float, created_before: float) -> int:
        query = sessions.delete().where(sa.or_(s.last_seen_at < idle_before, s.created_at < created_before))
        return int(self._c.execute(query).rowcount)


def _session(row: Any | None) -> Session | None:
    if row is None:
        return None
    return Session(
        id_hash=row.id_hash,
        user_id=row.user_id,
        stage=Stage(row.stage),
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        authenticated_at=row.authenticated_at,
        csrf_token=row.csrf_token,
        mfa_at=row.mfa_at,
        mfa_device_id=row.mfa_device_id,
        data=json.loads(row.data),
    )
