"""Injected time: every rule that depends on time reads it from a Clock, never from the system directly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch (UTC)."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FrozenClock:
    """A clock that moves only when told: for tests and for the server's test-only clock file."""

    def __init__(self, at: float) -> None:
        self._at = at

    def now(self) -> float:
        return self._at

    def advance(self, seconds: float) -> None:
        self._at += seconds

    def set(self, at: float) -> None:
        self._at = at


class OffsetFileClock:
    """System time plus a number of seconds read from a file on every call (end-to-end tests only)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> float:
        try:
            offset = float(self._path.read_text().strip() or 0)
        except (OSError, ValueError):
            offset = 0.0
        return time.time() + offset
