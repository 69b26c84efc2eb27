"""Accounts, users, login profiles and access keys: the identity rules every adapter goes through.

Login profiles (login_profiles.py) and access keys (access_keys.py) live in their own modules and are mixed into
IdentityService, so adapters keep one identity service."""

from __future__ import annotations

import re
from collections.abc import Callable

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.crypto.passwords import PasswordHasher
from twostep.identity import aws_ids
from twostep.identity.access_keys import (
    MAX_ACCESS_KEYS_PER_USER,
    AccessKeys,
    NewAccessKey,
    ResolvedAccessKey,
    access_key_associated_data,
)
from twostep.identity.account_reports import AccountReports
from twostep.identity.account_settings import AccountSettings
from twostep.identity.errors import (
    EmailAlreadyRegistered,
    InvalidName,
    NoSuchAccount,
    NoSuchUser,
    UserAlreadyExists,
    UserHasDependents,
)
from twostep.identity.login_profiles import LoginProfiles
from twostep.identity.models import ROOT_USER_NAME, Account, Tag, User
from twostep.identity.password_policy import PasswordPolicy
from twostep.identity.ports import IdentityUnitOfWork
from twostep.identity.principal import Principal
from twostep.identity.session_endings import SessionEnd
from twostep.identity.tags import checked_tags, with_tags, without_tags
from twostep.unit_of_work import UnitOfWorkFactory

__all__ = [
    "MAX_ACCESS_KEYS_PER_USER",
    "IdentityService",
    "NewAccessKey",
    "ResolvedAccessKey",
    "access_key_associated_data",
    "validate_email",
]

USER_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
PATH = re.compile(r"/|/[\x21-\x7e]*/")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")


def validate_email(email: str) -> str:
    normalised = email.strip().lower()
    if not EMAIL.fullmatch(normalised):
        raise InvalidName(f"{email!r} is not an email address.")
    return normalised


class IdentityService(LoginProfiles, AccessKeys, AccountReports, AccountSettings):
    """Accounts and users here; login profiles, access keys and reports in their own modules, on one service."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[IdentityUnitOfWork],
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

    def root_user(self, account_id: str) -> User:
        """The account's root user (whom the CLI's changes name as their actor)."""
        with self._uow(readonly=True) as uow:
            if uow.accounts.get(account_id) is None:
                raise NoSuchAccount(f"Account {account_id} does not exist.")
            return uow.users.root_of(account_id)

    # -- users ------------------------------------------------------------------------------------------------

    def create_user(
        self,
        account_id: str,
        name: str,
        *,
        actor: Principal,
        path: str = "/",
        tags: tuple[Tag, ...] = (),
        password: str | None = None,
        password_reset_required: bool = False,
    ) -> User:
        """A new IAM user; with a password, a login profile too (the console's Create user), which with
        password_reset_required must be replaced right after the first sign-in."""
        if not USER_NAME.fullmatch(name):
            raise InvalidName("User names use 1 to 64 letters, digits and + = , . @ _ - characters.")
        if not PATH.fullmatch(path) or len(path) > 512:
            raise InvalidName("A path begins and ends with '/' and holds printable ASCII characters.")
        tags = checked_tags(tags)
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
            password_reset_required=password_reset_required and password_hash is not None,
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

    def users(self, account_id: str, path_prefix: str = "/") -> list[User]:
        with self._uow(readonly=True) as uow:
            return uow.users.list(account_id, path_prefix)

    def add_user_tags(self, account_id: str, name: str, tags: tuple[Tag, ...], *, actor: Principal) -> None:
        """TagUser: a tag whose key exists (in any case) is replaced; 50 at most."""
        self._retag(account_id, name, actor, "TagUser", lambda existing: with_tags(existing, tags))

    def remove_user_tags(self, account_id: str, name: str, keys: tuple[str, ...], *, actor: Principal) -> None:
        """UntagUser: keys the user does not have are ignored."""
        self._retag(account_id, name, actor, "UntagUser", lambda existing: without_tags(existing, keys))

    def _retag(
        self,
        account_id: str,
        name: str,
        actor: Principal,
        event: str,
        change: Callable[[tuple[Tag, ...]], tuple[Tag, ...]],
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.by_name(account_id, name)
            if user is None:
                raise NoSuchUser(name)
            uow.users.set_tags(user.id, change(user.tags))
            uow.audit.append(AuditEvent(event, account_id, now, actor=actor.arn, details={"userName": user.name}))
            uow.commit()

    def delete_user(self, account_id: str, name: str, *, actor: Principal) -> None:
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
                raise UserHasDependents("Cannot delete entity, must delete MFA device first.")
            if uow.owned_policies.count_inline("user", user.id):
                raise UserHasDependents("Cannot delete entity, must delete policies first.")
            if uow.owned_policies.count_attached("user", user.id):
                raise UserHasDependents("Cannot delete entity, must detach all policies first.")
            if uow.groups.count_for_user(user.id):
                raise UserHasDependents("Cannot delete entity, must remove user from all groups first.")
            uow.sessions.end_for_user(user.id, SessionEnd.ENDED_BY_ADMIN, now)
            uow.users.delete(user.id)
            uow.audit.append(AuditEvent("DeleteUser", account_id, now, actor=actor.arn, details={"userName": name}))
            uow.commit()
