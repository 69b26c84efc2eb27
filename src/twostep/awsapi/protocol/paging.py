"""IAM's paging: ``MaxItems`` (1-1000, default 100), ``Marker`` in, ``IsTruncated`` and ``Marker`` out.

The marker is opaque to clients and short (IAM allows 320 characters; serial numbers and ARNs alone can be longer):
it holds a digest of the sort key of the last item returned and that item's position. The next page starts after
the item with that key, wherever it now is; only if that item was removed meanwhile does the position decide.
When the key itself fits (200 bytes), the marker carries it too (version 2), so a list kept in order by the database
can continue from it with one indexed range query, whatever the list's length (see `marker_key`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from twostep.awsapi.protocol.errors import iam_error

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100
_VERSION = b"\x01"
_WITH_KEY = b"\x02"  # the same fields, then the key's UTF-8 bytes
_DIGEST_BYTES = 12
_LAYOUT = struct.Struct(f">cI{_DIGEST_BYTES}s")
MAX_KEY_IN_MARKER = 200  # bytes: base64 of the whole marker stays within IAM's 320 characters


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()[:_DIGEST_BYTES]


def encode_marker(position: int, key: str) -> str:
    encoded = key.encode("utf-8")
    if len(encoded) <= MAX_KEY_IN_MARKER:
        raw = _LAYOUT.pack(_WITH_KEY, position, _digest(key)) + encoded
    else:
        raw = _LAYOUT.pack(_VERSION, position, _digest(key))
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode(marker: str) -> tuple[int, bytes, str | None]:
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii"))
        version, position, digest = _LAYOUT.unpack_from(raw)
        rest = raw[_LAYOUT.size :]
        key = rest.decode("utf-8") if version == _WITH_KEY else None
    except (binascii.Error, ValueError, UnicodeEncodeError, struct.error):
        raise iam_error("InvalidInput", "Invalid Marker.") from None
    if version == _VERSION and not rest:
        return int(position), bytes(digest), None
    if version == _WITH_KEY and key is not None and _digest(key) == digest:  # a cut-off key fails here
        return int(position), bytes(digest), key
    raise iam_error("InvalidInput", "Invalid Marker.")


def decode_marker(marker: str) -> tuple[int, bytes]:
    """(position, key digest) of a marker; InvalidInput for anything this module did not hand out."""
    position, digest, _ = _decode(marker)
    return position, digest


def marker_key(marker: str) -> str | None:
    """The sort key of the last item of the previous page, when the marker carries it (None: only its digest)."""
    return _decode(marker)[2]


def max_items(params: Mapping[str, Any]) -> int:
    return int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)


def keyset_page(items: list[T], key: Callable[[T], str], position: int, limit: int) -> Page[T]:
    """The page a database range query gave: up to `limit` items ordered by `key`, plus one more when the list
    goes on; `position` is where the first of them stands in the whole list, as far as it is known."""
    page = items[:limit]
    truncated = len(items) > limit
    return Page(page, encode_marker(position + len(page) - 1, key(page[-1])) if truncated and page else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_marker: str | None

    @property
    def fields(self) -> dict[str, Any]:
        """The output members every IAM list operation shares."""
        if self.next_marker is None:
            return {"IsTruncated": False}
        return {"IsTruncated": True, "Marker": self.next_marker}


def paginate(items: Iterable[T], key: Callable[[T], str], params: Mapping[str, Any]) -> Page[T]:
    """One page of ``items`` ordered by ``key`` (unique per item), as asked by ``Marker`` and ``MaxItems``."""
    ordered = sorted(items, key=key)
    start = 0
    marker = params.get("Marker")
    if marker is not None:
        position, digest = decode_marker(marker)
        found = next((i for i, item in enumerate(ordered) if _digest(key(item)) == digest), None)
        start = found + 1 if found is not None else min(position, len(ordered))  # removed: its successor moved up
    limit = max_items(params)
    page = ordered[start : start + limit]
    truncated = start + limit < len(ordered)
    last = start + len(page) - 1
    return Page(page, encode_marker(last, key(page[-1])) if truncated and page else None)
