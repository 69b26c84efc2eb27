"""What a command raises when it refuses to go on; cli/failures.py turns each into one line and an exit code."""

from __future__ import annotations

from pathlib import Path


class CommandError(Exception):
    """A clear message for the operator; nothing was changed."""


class KeyFileLost(Exception):
    """The data directory has no key file, but the database already holds a twostep schema: the data in it was
    sealed with a key file that is not here, so initialising afresh would be wrong."""

    def __init__(self, key_file: Path, database: str) -> None:
        super().__init__(f"{key_file} is missing; {database} holds a twostep schema")
        self.key_file = key_file
        self.database = database


class CannotListen(Exception):
    """The address to serve on cannot be bound: `reason` says why, `hint` what to do."""

    def __init__(self, host: str, port: int, reason: str, hint: str) -> None:
        super().__init__(f"{host}:{port}: {reason}")
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.reason = reason
        self.hint = hint
