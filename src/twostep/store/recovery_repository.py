"""Recovery codes and the root user's mailed sign-in links, in SQL.

reserve_attempt is one conditional UPDATE ... RETURNING on the user's set, like a device's (device_repository.py):
the row lock (PostgreSQL) or the write lock (SQLite) it takes serialises the attempts on one set until the caller's
transaction ends, so parallel wrong codes never evaluate more than the limit.
"""

from __future__ import annotations

import sqlalchemy as sa

from twostep.crypto.keyring import Sealed
from twostep.mfa.ports import ReservedRecoveryAttempt
from twostep.mfa.recovery_codes import RecoveryCodeStatus, StoredRecoveryCode
from twostep.signin.recovery_links import RecoveryLink
from twostep.store.tables import recovery_code_sets, recovery_codes, recovery_links

s = recovery_code_sets.c
c = recovery_codes.c
k = recovery_links.c


class SqlRecoveryCodeRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def status(self, user_id: str) -> RecoveryCodeStatus | None:
        remaining = (
            sa.select(sa.func.count())
            .where(c.user_id == s.user_id, c.used_at.is_(None))
            .scalar_subquery()
            .label("remaining")
        )
        row = self._c.execute(
            sa.select(s.pending, s.issued_at, s.confirmed_at, remaining).where(s.user_id == user_id)
        ).first()
        if row is None:
            return None
        return RecoveryCodeStatus(
            remaining=int(row.remaining), issued_at=row.issued_at, confirmed_at=row.confirmed_at, pending=row.pending
        )

    def owe(self, user_id: str, account_id: str, hash_key: Sealed) -> None:
        owed = self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(pending=True))
        if owed.rowcount == 0:
            self._c.execute(
                recovery_code_sets.insert().values(
                    user_id=user_id,
                    account_id=account_id,
                    hash_key_id=hash_key.key_id,
                    hash_key_blob=hash_key.blob,
                    pending=True,
                )
            )

    def replace(self, user_id: str, account_id: str, hash_key: Sealed, hashes: list[str], now: float) -> None:
        self._c.execute(recovery_codes.delete().where(c.user_id == user_id))
        values = {
            "hash_key_id": hash_key.key_id,
            "hash_key_blob": hash_key.blob,
            "pending": False,
            "issued_at": now,
            "confirmed_at": None,
            "failures": 0,
            "next_attempt_at": 0.0,
        }
        updated = self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(**values))
        if updated.rowcount == 0:
            self._c.execute(recovery_code_sets.insert().values(user_id=user_id, account_id=account_id, **values))
        self._c.execute(
            recovery_codes.insert(),
            [{"user_id": user_id, "position": i, "code_hash": h, "used_at": None} for i, h in enumerate(hashes)],
        )

    def reserve_attempt(self, user_id: str, now: float, limit: int) -> ReservedRecoveryAttempt | None:
        row = self._c.execute(
            recovery_code_sets.update()
            .where(s.user_id == user_id, s.failures < limit, s.next_attempt_at <= now)
            .values(failures=s.failures + 1)
            .returning(s.failures, s.hash_key_id, s.hash_key_blob)
        ).first()
        if row is None:
            return None
        stored = self._c.execute(
            sa.select(c.position, c.code_hash, c.used_at).where(c.user_id == user_id).order_by(c.position)
        ).all()
        return ReservedRecoveryAttempt(
            failures=int(row.failures),
            hash_key=Sealed(row.hash_key_id, row.hash_key_blob),
            codes=tuple(StoredRecoveryCode(r.position, r.code_hash, r.used_at is not None) for r in stored),
        )

    def release_attempt(self, user_id: str) -> None:
        self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(failures=s.failures - 1))

    def throttle_state(self, user_id: str) -> tuple[int, float] | None:
        row = self._c.execute(sa.select(s.failures, s.next_attempt_at).where(s.user_id == user_id)).first()
        return None if row is None else (int(row[0]), float(row[1]))

    def set_delay(self, user_id: str, next_attempt_at: float) -> None:
        self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(next_attempt_at=next_attempt_at))

    def spend(self, user_id: str, position: int, now: float) -> bool:
        spent = self._c.execute(
            recovery_codes.update()
            .where(c.user_id == user_id, c.position == position, c.used_at.is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:
            return False
        self.reset_failures(user_id)
        return True

    def confirm(self, user_id: str, now: float) -> None:
        self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(confirmed_at=now))

    def spend_all(self, user_id: str, now: float) -> int:
        spent = self._c.execute(
            recovery_codes.update().where(c.user_id == user_id, c.used_at.is_(None)).values(used_at=now)
        )
        self._c.execute(
            recovery_code_sets.update()
            .where(s.user_id == user_id)
            .values(pending=False, failures=0, next_attempt_at=0.0)
        )
        return int(spent.rowcount)

    def reset_failures(self, user_id: str) -> None:
        self._c.execute(recovery_code_sets.update().where(s.user_id == user_id).values(failures=0, next_attempt_at=0.0))


class SqlRecoveryLinkRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, link: RecoveryLink) -> None:
        self._c.execute(
            recovery_links.insert().values(
                id=link.id,
                user_id=link.user_id,
                session_hash=link.session_hash,
                key_id=link.key_id,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
            )
        )

    def get(self, link_id: str) -> RecoveryLink | None:
        row = self._c.execute(sa.select(recovery_links).where(k.id == link_id)).first()
        if row is None:
            return None
        return RecoveryLink(
            id=row.id,
            user_id=row.user_id,
            session_hash=row.session_hash,
            key_id=row.key_id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    def count_since(self, user_id: str, since: float) -> int:
        query = sa.select(sa.func.count()).where(k.user_id == user_id, k.created_at >= since)
        return int(self._c.execute(query).scalar_one())

    def use(self, link_id: str, now: float) -> bool:
        """Spend the link, once: a conditional UPDATE whose row count says whether this request was the one."""
        used = self._c.execute(recovery_links.update().where(k.id == link_id, k.used_at.is_(None)).values(used_at=now))
        return used.rowcount == 1

    def withdraw_for_session(self, session_hash: str, now: float) -> None:
        """Links this session asked for before stop working: only the newest one counts."""
        self._c.execute(
            recovery_links.update().where(k.session_hash == session_hash, k.used_at.is_(None)).values(used_at=now)
        )
