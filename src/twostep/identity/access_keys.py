"""Long-term access keys (AKIA...): at most two per user; the secret is shown once and stored sealed."""

from __future__ import annotations

from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.errors import AccessKeyLimit, InvalidName, NoSuchAccessKey
from twostep.identity.models import AccessKey, User
from twostep.identity.ports import IdentityUnitOfWork
from twostep.unit_of_work import UnitOfWorkFactory

MAX_ACCESS_KEYS_PER_USER = 2
KEY_STATUSES = ("Active", "Inactive")


def access_key_associated_data(key_id: str) -> bytes:
    return f"twostep/access-key/{key_id}".encode()


@dataclass(frozen=True)
class NewAccessKey:
    key: AccessKey
    secret_access_key: str  # shown once, at creation


@dataclass(frozen=True)
class ResolvedAccessKey:
    key: AccessKey
    user: User
    secret_access_key: str


class AccessKeys:
    """The access-key part of IdentityService (mixed in; IdentityService sets the attributes)."""

    _uow: UnitOfWorkFactory[IdentityUnitOfWork]
    _clock: Clock
    _keyring: KeyRing

    def create_access_key(self, user: User, *, actor: User) -> NewAccessKey:
        now = self._clock.now()
        key_id = aws_ids.new_access_key_id()
        secret = aws_ids.new_secret_access_key()
        key = AccessKey(id=key_id, user_id=user.id, account_id=user.account_id, status="Active", created_at=now)
        sealed = self._keyring.seal(secret.encode(), access_key_associated_data(key_id))
        with self._uow() as uow:
            uow.users.lock(user.id)
            if len(uow.access_keys.for_user(user.id)) >= MAX_ACCESS_KEYS_PER_USER:
                raise AccessKeyLimit(f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}")
            uow.access_keys.add(key, sealed)
            uow.audit.append(
                AuditEvent(
                    "CreateAccessKey",
                    user.account_id,
                    now,
                    actor=actor.arn,
                    details={"userName": user.name, "accessKeyId": key_id},
                )
            )
            uow.commit()
        return NewAccessKey(key, secret)

    def access_keys(self, user: User) -> list[AccessKey]:
        with self._uow(readonly=True) as uow:
            return uow.access_keys.for_user(user.id)

    @staticmethod
    def _owned_key(uow: IdentityUnitOfWork, user: User, key_id: str) -> AccessKey:
        found = uow.access_keys.get(key_id)
        if found is None or found[0].user_id != user.id:
            raise NoSuchAccessKey(key_id)
        return found[0]

    def update_access_key(self, user: User, key_id: str, status: str, *, actor: User) -> None:
        if status not in KEY_STATUSES:
            raise InvalidName(f"The status of an access key is Active or Inactive, not {status}.")
        now = self._clock.now()
        with self._uow() as uow:
            self._owned_key(uow, user, key_id)
            uow.access_keys.set_status(key_id, status)
            details = {"userName": user.name, "accessKeyId": key_id, "status": status}
            uow.audit.append(AuditEvent("UpdateAccessKey", user.account_id, now, actor=actor.arn, details=details))
            uow.commit()

    def delete_access_key(self, user: User, key_id: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            self._owned_key(uow, user, key_id)
            uow.access_keys.delete(key_id)
            details = {"userName": user.name, "accessKeyId": key_id}
            uow.audit.append(AuditEvent("DeleteAccessKey", user.account_id, now, actor=actor.arn, details=details))
            uow.commit()

    def resolve_access_key(self, key_id: str) -> ResolvedAccessKey | None:
        """The key, its user and its secret, for checking a SigV4 signature; None for unknown or inactive keys."""
        with self._uow(readonly=True) as uow:
            found = uow.access_keys.get_with_owner(key_id)
        if found is None or found[0].status != "Active":
            return None
        key, sealed, user = found
        secret = self._keyring.open(sealed, access_key_associated_data(key_id)).decode()
        return ResolvedAccessKey(key, user, secret)
