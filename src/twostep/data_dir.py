"""The data directory is its owner's alone: the directory 0700, every file in it 0600 (S-series: secrets at rest).

The key file and the SQLite database (with its -wal and -shm files) live here; a file readable by other local users
would hand them the sealed seeds and the key that opens them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
PRIVATE_UMASK = 0o077  # files the process creates later (SQLite's -wal and -shm, checkpoint files) start private


def make_private(data_dir: Path) -> list[str]:
    """Create `data_dir` if needed and narrow it and the files in it to their owner; one line for each path that
    was wider (the caller warns with them), empty when everything already was private."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    widened: list[str] = []
    for path, wanted in [(data_dir, DIRECTORY_MODE), *((p, FILE_MODE) for p in sorted(data_dir.iterdir()))]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            continue
        if path != data_dir and stat.S_ISDIR(info.st_mode):
            wanted = DIRECTORY_MODE
        mode = stat.S_IMODE(info.st_mode)
        if mode & ~wanted:
            os.chmod(path, mode & wanted)
            widened.append(f"{path} was mode {mode:04o}, readable by others; narrowed to {mode & wanted:04o}")
    return widened


class DataDirNotWritable(Exception):
    """The data directory (or, before it exists, the directory it would be made in) cannot be written."""

    def __init__(self, data_dir: Path, reason: str) -> None:
        super().__init__(f"{data_dir}: {reason}")
        self.data_dir = data_dir
        self.reason = reason


def require_writable(data_dir: Path) -> None:
    """DataDirNotWritable unless this process may create files in `data_dir`, or create `data_dir` itself in the
    nearest directory above it that exists. Checked before anything is written, so a refusal changes nothing."""
    existing = data_dir
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise DataDirNotWritable(data_dir, f"{existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DataDirNotWritable(data_dir, f"permission denied: {existing}")
