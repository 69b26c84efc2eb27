"""Scalars of the query protocol, decoded as AWS's query deserializer does.

Integers are decimal ``[+-]digits`` within the type's range, booleans follow xsd 1.1 (``true``/``false``/``1``/``0``,
case-sensitive), timestamps are ISO 8601 (or epoch seconds), blobs base64. A value that does not decode is
``MalformedInput`` (400).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .errors import malformed_input
from .model import Shape

Decoder = Callable[[str], Any]

_INT_RE = re.compile(r"[+-]?[0-9]+")
_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _decode_int(kind: str) -> Decoder:
    low, high = _INT_RANGES.get(kind, _INT_RANGES["long"])

    def decode(raw: str) -> int:
        if not raw:
            raise malformed_input("missing value for decimal type")
        if _INT_RE.fullmatch(raw) is None:
            raise malformed_input("")
        value = int(raw)
        if not low <= value <= high:
            raise malformed_input("")
        return value

    return decode


def _decode_bool(raw: str) -> bool:
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise malformed_input("missing value for boolean type" if not raw else "boolean must follow xsd1.1 definition")


def _decode_float(raw: str) -> float:
    if not raw:
        raise malformed_input("missing value for decimal type")
    try:
        return float(raw)
    except ValueError:
        raise malformed_input("") from None


def _decode_timestamp(raw: str) -> datetime:
    if not raw:
        raise malformed_input("missing value for timestamp type")
    try:
        if _INT_RE.fullmatch(raw.replace(".", "", 1)):
            return datetime.fromtimestamp(float(raw), UTC)
        value = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        raise malformed_input("") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _decode_blob(raw: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise malformed_input("") from None


def _decode_str(raw: str) -> str:
    return raw


def decoder(shape: Shape) -> Decoder:
    kind = shape.type
    if kind in ("integer", "long"):
        return _decode_int(kind)
    if kind == "boolean":
        return _decode_bool
    if kind in ("float", "double"):
        return _decode_float
    if kind == "timestamp":
        return _decode_timestamp
    if kind == "blob":
        return _decode_blob
    return _decode_str
