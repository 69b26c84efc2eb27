"""What every unit of work is: one transaction, committed once; each change of state and its audit event commit
together (rule 4).

The repositories on it are each domain package's own business: a package lists the ones it uses in its ports.py
(e.g. `mfa.ports.MfaUnitOfWork`), so that no package depends on the ports of the others. store's SqlUnitOfWork
carries every repository and so satisfies all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self, TypeAlias, TypeVar


class WriteConditionFailed(Exception):
    """A write that must change a row found none (a row another transaction took first): the unit of work is
    rolled back. Raised by the write itself, or, where writes are batched, by a later call on the unit of work or by
    its commit."""


class UnitOfWork(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...


Work = TypeVar("Work", bound=UnitOfWork)

UnitOfWorkFactory: TypeAlias = Callable[..., Work]
"""Called as factory() for a writing transaction, factory(readonly=True) for a reading one; a package names the
unit of work it needs, e.g. UnitOfWorkFactory[MfaUnitOfWork]."""
