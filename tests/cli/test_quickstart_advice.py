"""`make serve` (twostep quickstart) tells the operator where to replace the generated password (issue 16, item 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.server_harness import free_port, stop


def quickstart_lines(data: Path, port: int) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "twostep.cli", "quickstart", "--data-dir", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "first-run.json" in line:
                return lines
        raise AssertionError(lines)
    finally:
        stop(process)  # type: ignore[arg-type]


def test_the_advice_names_the_change_password_page(tmp_path: Path) -> None:
    port = free_port()
    lines = quickstart_lines(tmp_path / "demo", port)
    assert f"  Change the generated password at http://localhost:{port}/security-credentials/password" in lines
    assert lines[-1].endswith("delete it once you have changed the password there)")
