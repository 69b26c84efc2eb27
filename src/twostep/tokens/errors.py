"""Typed failures of the hardware-token domain; every message is safe to show (no seed, no line of the file)."""

from __future__ import annotations

from twostep.tokens.models import Rejected


class TokenError(Exception):
    """Base class: the message is meant for the operator."""


class SeedFileError(TokenError):
    """The whole file is refused: unreadable, not in the format, or its key, password or MAC does not check out."""


class SeedFileRejected(TokenError):
    """Some entries are invalid, so nothing was imported (all or nothing, unless asked to skip them)."""

    def __init__(self, rejected: tuple[Rejected, ...]) -> None:
        super().__init__(f"{len(rejected)} entries cannot be imported, so nothing was imported")
        self.rejected = rejected


class ImportConflict(TokenError):
    """Another import installed some of the same tokens while this one was writing; this one was undone."""


class NoSuchToken(TokenError):
    def __init__(self, serial: str) -> None:
        super().__init__(f"no hardware token {serial} in this account")


class TokenAssigned(TokenError):
    def __init__(self, serial: str) -> None:
        super().__init__(f"hardware token {serial} is assigned to a user: deactivate it first")
