"""What a seed file holds and what the pool of hardware tokens shows: plain values, no persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twostep.otp import TotpParameters


@dataclass(frozen=True)
class TokenSeed:
    """One token read from a seed file. `where` names the entry for the operator ("line 3", "KeyPackage 2"); the
    seed never appears in a repr, a log line or a message."""

    where: str
    serial: str
    seed: bytes = field(repr=False)
    params: TotpParameters = field(default=TotpParameters())


@dataclass(frozen=True)
class Rejected:
    """An entry that cannot be imported, and why (never with its seed or the line's text)."""

    where: str
    serial: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"entry": self.where, "serial": self.serial, "reason": self.reason}


SeedEntry = TokenSeed | Rejected


@dataclass(frozen=True)
class ImportResult:
    imported: int
    skipped: tuple[Rejected, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "skipped": [r.as_json() for r in self.skipped]}


@dataclass(frozen=True)
class PoolToken:
    """A token of an account's pool, as `twostep tokens list` shows it."""

    serial: str
    user_name: str | None  # the user it is assigned to; None while it waits in the pool
    last_used_at: float | None  # the start of the last time step a code of it was accepted
    params: TotpParameters
    imported_at: float
