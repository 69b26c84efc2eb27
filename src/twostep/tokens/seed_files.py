"""A vendor's seed file in one of three formats, guessed from its content when the operator does not say."""

from __future__ import annotations

import enum

from twostep.tokens.csv_file import read_csv
from twostep.tokens.errors import SeedFileError
from twostep.tokens.models import SeedEntry
from twostep.tokens.otpauth_file import read_otpauth
from twostep.tokens.pskc_file import PskcUnlock, read_pskc


class SeedFormat(enum.StrEnum):
    PSKC = "pskc"
    CSV = "csv"
    OTPAUTH = "otpauth"


def guess_format(data: bytes) -> SeedFormat:
    """XML is PSKC; a first entry beginning ``otpauth://`` is a list of key URIs; anything else is CSV."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return SeedFormat.PSKC
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#"):
            return SeedFormat.OTPAUTH if stripped.lower().startswith(b"otpauth:") else SeedFormat.CSV
    return SeedFormat.CSV


def read_seed_file(
    data: bytes, seed_format: SeedFormat | None = None, unlock: PskcUnlock | None = None
) -> list[SeedEntry]:
    """Every entry of the file, each a token to import or the reason it cannot be; SeedFileError if the file as a
    whole cannot be read."""
    chosen = seed_format or guess_format(data)
    if chosen is SeedFormat.PSKC:
        return read_pskc(data, unlock or PskcUnlock())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SeedFileError(f"a {chosen.value} seed file is UTF-8 text; this one is not") from None
    entries = read_otpauth(text) if chosen is SeedFormat.OTPAUTH else read_csv(text)
    if not entries:
        raise SeedFileError("the file holds no tokens")
    return entries
