"""docs/configuration.md lists every TWOSTEP_* variable the code reads and every flag of `serve` and `quickstart`."""

from __future__ import annotations

import re
from pathlib import Path

from twostep.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_documented() -> None:
    names = set()
    for module in (ROOT / "src" / "twostep").rglob("*.py"):
        names |= set(re.findall(r"\bTWOSTEP_[A-Z0-9_]*[A-Z0-9]\b", module.read_text(encoding="utf-8")))
    assert names, "no setting found: the scan is broken"
    missing = sorted(name for name in names if f"`{name}`" not in PAGE)
    assert not missing, f"docs/configuration.md does not list {missing}"


def test_every_serving_flag_is_documented() -> None:
    parser = build_parser()
    commands = next(action for action in parser._actions if action.dest == "command").choices
    flags = set()
    for name in ("serve", "quickstart"):
        for action in commands[name]._actions:
            flags |= {flag for flag in action.option_strings if flag.startswith("--") and flag != "--help"}
    missing = sorted(flag for flag in flags if f"`{flag}" not in PAGE)
    assert not missing, f"docs/configuration.md does not list {missing}"
