"""Seed files as CSV: ``serial,secret[,digits,period,algorithm]``, the secret in hex or Base32.

A header row (its first field ``serial``) is optional; blank lines and lines starting with ``#`` are skipped.
Entries are named by their line number; a message never repeats a line's text, which holds a secret.
"""

from __future__ import annotations

import csv
import io

from twostep.tokens.entries import EntryProblem, checked, decode_secret, parameters
from twostep.tokens.models import Rejected, SeedEntry


def read_csv(text: str) -> list[SeedEntry]:
    entries: list[SeedEntry] = []
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    first = True
    for row in reader:
        where = f"line {reader.line_num}"
        fields = [field.strip() for field in row]
        if not any(fields) or fields[0].startswith("#"):
            continue
        if first and fields[0].lower() == "serial":
            first = False
            continue
        first = False
        serial = fields[0] or None
        if not 2 <= len(fields) <= 5:
            entries.append(Rejected(where, serial, "expected serial,secret[,digits,period,algorithm]"))
            continue
        optional = [*fields[2:], "", "", ""][:3]
        try:
            seed = decode_secret(fields[1])
            params = parameters(optional[0], optional[1], optional[2])
        except EntryProblem as problem:
            entries.append(Rejected(where, serial, str(problem)))
            continue
        entries.append(checked(where, serial, seed, params))
    return entries
