"""The directory of prometheus_client's multiprocess mode, prepared by `serve --workers N` before any worker
starts (and before prometheus_client is imported in this process: it reads the variable at import)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> Path:
    named = os.environ.get(MULTIPROC_DIR)
    if named:
        directory = Path(named)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in directory.glob("*.db"):  # a previous run's values would be added to this one's
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="twostep-metrics-"))
        atexit.register(shutil.rmtree, directory, True)
    os.environ[MULTIPROC_DIR] = str(directory)
    return directory
