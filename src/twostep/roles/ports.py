"""What roles need from storage (their policies: policy.ports.OwnedPolicyRepository)."""

from __future__ import annotations

from typing import Protocol

from twostep.identity.models import Tag
from twostep.policy.ports import PolicyUnitOfWork
from twostep.roles.models import Role


class RoleRepository(Protocol):
    def add(self, role: Role) -> None: ...
    def get(self, role_id: str) -> Role | None: ...
    def by_name(self, account_id: str, name: str) -> Role | None:
        """Names are unique per account in any case."""
        ...

    def list(self, account_id: str, path_prefix: str = "/") -> list[Role]: ...
    def count(self, account_id: str) -> int: ...
    def lock(self, role_id: str) -> None:
        """Serialise changes to one role's policies (the attachment quota)."""
        ...

    def set_trust_policy(self, role_id: str, document: str) -> None: ...
    def set_tags(self, role_id: str, tags: tuple[Tag, ...]) -> None: ...
    def delete(self, role_id: str) -> None:
        """The role, its tags and every session of it."""
        ...


class RoleUnitOfWork(PolicyUnitOfWork, Protocol):
    @property
    def roles(self) -> RoleRepository: ...
