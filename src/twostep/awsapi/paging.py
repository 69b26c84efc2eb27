"""IAM's paging: ``MaxItems`` (1-1000, default 100), ``Marker`` in, ``IsTruncated`` and ``Marker`` out.

The marker is opaque to clients and short (IAM allows 320 characters; serial numbers and ARNs alone can be longer):
it holds a digest of the sort key of the last item returned and that item's position. The next page starts after
the item with that key, wherever it now is; only if that item was removed meanwhile does the position decide.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from twostep.awsapi.errors import iam_error

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100
_VERSION = b"\x01"
_DIGEST_BYTES = 12
_LAYOUT = struct.Struct(f">cI{_DIGEST_BYTES}s")


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()[:_DIGEST_BYTES]


def encode_marker(position: int, key: str) -> str:
    return base64.urlsafe_b64encode(_LAYOUT.pack(_VERSION, position, _digest(key))).decode("ascii")


def decode_marker(marker: str) -> tuple[int, bytes]:
    """(position, key digest) of a marker; InvalidInput for anything this module did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii"))
        version, position, digest = _LAYOUT.unpack(raw)
    except (binascii.Error, ValueError, UnicodeEncodeError, struct.error):
        raise iam_error("InvalidInput", "Invalid Marker.") from None
    if version != _VERSION:
        raise iam_error("InvalidInput", "Invalid Marker.")
    return int(position), bytes(digest)


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
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    page = ordered[start : start + limit]
    truncated = start + limit < len(ordered)
    last = start + len(page) - 1
    return Page(page, encode_marker(last, key(page[-1])) if truncated and page else None)
