"""The `twostep` command: a thin shell over the same services the console and the API use."""

from twostep.cli.main import main

__all__ = ["main"]
