"""Seed files of key URIs: one ``otpauth://totp/LABEL?secret=...`` per line (the Key Uri Format authenticator apps
read). The serial is the ``serial`` parameter, or else the label's account part (after ``Issuer:``).
Blank lines and lines starting with ``#`` are skipped; a message never repeats a URI, which holds a secret."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from twostep.tokens.entries import EntryProblem, checked, decode_secret, parameters
from twostep.tokens.models import Rejected, SeedEntry


def read_otpauth(text: str) -> list[SeedEntry]:
    entries: list[SeedEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        entries.append(_entry(f"line {number}", stripped))
    return entries


def _entry(where: str, uri: str) -> SeedEntry:
    try:
        parts = urlsplit(uri)
        query = parse_qs(parts.query, keep_blank_values=True)
    except ValueError:
        return Rejected(where, None, "not an otpauth:// URI")
    label = unquote(parts.path.lstrip("/"))
    serial = _one(query, "serial") or label.rpartition(":")[2].strip() or None
    if parts.scheme.lower() != "otpauth":
        return Rejected(where, serial, "not an otpauth:// URI")
    if parts.netloc.lower() != "totp":
        return Rejected(where, serial, "a HOTP key, not TOTP" if parts.netloc.lower() == "hotp" else "not a TOTP key")
    secret = _one(query, "secret")
    if not secret:
        return Rejected(where, serial, "no secret parameter")
    try:
        seed = decode_secret(secret)
        params = parameters(_one(query, "digits"), _one(query, "period"), _one(query, "algorithm"))
    except EntryProblem as problem:
        return Rejected(where, serial, str(problem))
    return checked(where, serial, seed, params)


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0].strip() if values else None
