"""Importing a vendor's seed file: `twostep tokens import` of --tokens tokens (100,000 by default) into a fresh
data directory, per engine and format, timed as an operator sees it (the whole command: reading the file,
decrypting and checking every seed, sealing them, batched transactions). Issue 15 asks for under a minute."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import print_table, twostep_env, twostep_instance, wait_until_quiet
from tests.tokens.vendor_files import VendorToken, csv_line, pskc_file

TRANSPORT_KEY = bytes(range(16))


def vendor_files(count: int, directory: Path) -> dict[str, tuple[Path, list[str]]]:
    """The same batch of tokens as an encrypted PSKC file (AES-128-CBC, HMAC-SHA1 MACs) and as CSV."""
    tokens = [VendorToken(f"BENCH{i:08d}", seed=secrets.token_bytes(20)) for i in range(count)]
    key = directory / "transport.key"
    key.write_text(TRANSPORT_KEY.hex())
    pskc = directory / "tokens.pskc"
    pskc.write_bytes(pskc_file(tokens, key=TRANSPORT_KEY))
    csv = directory / "tokens.csv"
    csv.write_text("serial,secret,digits,period,algorithm\n" + "\n".join(csv_line(t) for t in tokens) + "\n")
    return {"PSKC (AES-128-CBC + MAC)": (pskc, ["--pskc-key-file", str(key)]), "CSV": (csv, [])}


def run(args: argparse.Namespace) -> None:
    count = args.tokens
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        files = vendor_files(count, Path(tmp))
        for engine in args.engines:
            for label, (path, options) in files.items():
                with twostep_instance("tokens", engine) as instance:
                    wait_until_quiet()
                    cmd = [
                        sys.executable,
                        "-m",
                        "twostep.cli",
                        "tokens",
                        "import",
                        "--data-dir",
                        str(instance.data_dir),
                    ]
                    cmd += ["--account-id", instance.account_id, *options, str(path)]
                    started = time.monotonic()
                    done = subprocess.run(
                        cmd, capture_output=True, text=True, env=twostep_env(instance.database_url), timeout=900
                    )
                    seconds = time.monotonic() - started
                    if done.returncode != 0:
                        raise RuntimeError(done.stderr)
                    imported = json.loads(done.stdout)["imported"]
                    size = os.path.getsize(path) / 1024 / 1024
                    rows.append(
                        [instance.engine_name, label, f"{imported:,}", f"{size:.1f} MiB", f"{seconds:.1f}",
                         f"{imported / seconds:,.0f}", "yes" if seconds < 60 else "NO"]
                    )  # fmt: skip
    print_table(
        f"`twostep tokens import` of {count:,} tokens",
        ["engine", "file", "tokens", "file size", "seconds", "tokens/s", "under a minute"],
        rows,
    )
