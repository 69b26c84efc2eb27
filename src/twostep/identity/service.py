"""Accounts, users, login profiles and access keys: the identity rules every adapter goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.crypto.passwords import PasswordHasher
from twostep.identity import aws_ids
from twostep.identity.errors import (
    AccessKeyLimit,
    EmailAlreadyRegistered,
    InvalidName,
    LoginProfileExists,
    NoLoginProfile,
    NoSuchAccessKey,
    NoSuchAccount,
    NoSuchUser,
    UserAlreadyExists,
    UserHasDependents,
)
from twostep.identity.models import ROOT_USER_NAME, AccessKey, Account, Tag, User
from twostep.identity.password_policy import PasswordPolicy
from twostep.unit_of_work import UnitOfWork, UnitOfWorkFactory

USER_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
PATH = re.compile(r"/|/[\x21-\x7e]*/")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")
MAX_ACCESS_KEYS_PER_USER = 2


def validate_email(email: str) -> str:
    normalised = email.strip().lower()
    if not EMAIL.fullmatch(normalised):
        raise InvalidName(f"{email!r} is not an email address.")
    return normalised


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


class IdentityService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keyring: KeyRing,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self._hasher = hasher
        self.password_policy = password_policy or PasswordPolicy()

    # -- accounts ---------------------------------------------------------------------------------------------

    def create_account(self, email: str, password: str) -> tuple[Account, User]:
        email = validate_email(email)
        self.password_policy.check(password)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            if uow.users.root_by_email(email) is not None:
                raise EmailAlreadyRegistered(email)
            account_id = aws_ids.new_account_id()
            while uow.accounts.get(account_id) is not None:
                account_id = aws_ids.new_account_id()
            account = Account(account_id, now)
            root = User(
                id=aws_ids.new_user_id(),
                account_id=account_id,
                name=ROOT_USER_NAME,
                path="/",
                is_root=True,
                email=email,
                password_hash=password_hash,
                created_at=now,
            )
            uow.accounts.add(account)
            uow.users.add(root)
            uow.audit.append(AuditEvent("CreateAccount", account_id, now, actor=root.arn))
            uow.commit()
        return account, root

    def account(self, account_id: str) -> Account:
        with self._uow(readonly=True) as uow:
            account = uow.accounts.get(account_id)
        if account is None:
            raise NoSuchAccount(f"Account {account_id} does not exist.")
        return account

    # -- users ------------------------------------------------------------------------------------------------

    def create_user(
        self,
        account_id: str,
        name: str,
        *,
        actor: User,
        path: str = "/",
        tags: tuple[Tag, ...] = (),
        password: str | None = None,
    ) -> User:
        if not USER_NAME.fullmatch(name):
            raise InvalidName("User names use 1 to 64 letters, digits and + = , . @ _ - characters.")
        if not PATH.fullmatch(path) or len(path) > 512:
            raise InvalidName("A path begins and ends with '/' and holds printable ASCII characters.")
        password_hash = None
        if password is not None:
            self.password_policy.check(password)
            password_hash = self._hasher.hash(password)
        now = self._clock.now()
        user = User(
            id=aws_ids.new_user_id(),
            account_id=account_id,
            name=name,
            path=path,
            is_root=False,
            email=None,
            password_hash=password_hash,
            created_at=now,
            tags=tags,
        )
        with self._uow() as uow:
            if uow.users.by_name(account_id, name) is not None:
                raise UserAlreadyExists(name)
            uow.users.add(user)
            uow.audit.append(AuditEvent("CreateUser", account_id, now, actor=actor.arn, details={"userName": name}))
            uow.commit()
        return user

    def user(self, account_id: str, name: str) -> User:
        with self._uow(readonly=True) as uow:
            user = uow.users.by_name(account_id, name)
        if user is None:
            raise NoSuchUser(name)
        return user

    def user_by_id(self, user_id: str) -> User:
        with self._uow(readonly=True) as uow:
            user = uow.users.get(user_id)
        if user is None:
            raise NoSuchUser(user_id)
        return user

    def users(self, account_id: str, path_prefix: str = "/") -> list[User]:
        with self._uow(readonly=True) as uow:
            return uow.users.list(account_id, path_prefix)

    def delete_user(self, account_id: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if user.has_login_profile:
                raise UserHasDependents("Cannot delete entity, must delete login profile first.")
            if uow.access_keys.for_user(user.id):
                raise UserHasDependents("Cannot delete entity, must delete access keys first.")
            if uow.devices.count_for_user(user.id):
                raise UserHasDependents("Cannot delete entity, must remove MFA devices first.")
            uow.sessions.delete_for_user(user.id)
            uow.users.delete(user.id)
            uow.audit.append(AuditEvent("DeleteUser", account_id, now, actor=actor.arn, details={"userName": name}))
            uow.commit()

    # -- login profiles (console passwords) -------------------------------------------------------------------

    def set_login_profile(
        self,
        account_id: str,
        name: str,
        password: str,
        *,
        actor: User,
        create: bool,
        reset_required: bool = False,
    ) -> User:
        """CreateLoginProfile (create=True) or UpdateLoginProfile (create=False)."""
        self.password_policy.check(password)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if create and user.has_login_profile:
                raise LoginProfileExists(name)
            if not create and not user.has_login_profile:
                raise NoLoginProfile(name)
            uow.users.set_password(user.id, password_hash, reset_required, now)
            if not create:
                uow.sessions.delete_for_user(user.id)  # S18: a password change ends every session
            event = "CreateLoginProfile" if create else "UpdateLoginProfile"
            uow.audit.append(AuditEvent(event, account_id, now, actor=actor.arn, details={"userName": name}))
            uow.commit()
            updated = uow.users.get(user.id)
        assert updated is not None
        return updated

    def delete_login_profile(self, account_id: str, name: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            if not user.has_login_profile:
                raise NoLoginProfile(name)
            uow.users.set_password(user.id, None, False, now)
            uow.sessions.delete_for_user(user.id)
            uow.audit.append(
                AuditEvent("DeleteLoginProfile", account_id, now, actor=actor.arn, details={"userName": name})
            )
            uow.commit()

    # -- access keys ------------------------------------------------------------------------------------------

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

    def _owned_key(self, uow: UnitOfWork, user: User, key_id: str) -> AccessKey:
        found = uow.access_keys.get(key_id)
        if found is None or found[0].user_id != user.id:
            raise NoSuchAccessKey(key_id)
        return found[0]

    def update_access_key(self, user: User, key_id: str, status: str, *, actor: User) -> None:
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
            found = uow.access_keys.get(key_id)
            if found is None or found[0].status != "Active":
                return None
            key, sealed = found
            user = uow.users.get(key.user_id)
        if user is None:
            return None
        secret = self._keyring.open(sealed, access_key_associated_data(key_id)).decode()
        return ResolvedAccessKey(key, user, secret)
