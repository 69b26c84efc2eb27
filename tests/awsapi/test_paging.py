"""IAM paging: MaxItems, opaque markers, keyset continuation when items come and go between pages."""

from __future__ import annotations

from typing import Any

import pytest

from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.protocol.paging import DEFAULT_MAX_ITEMS, decode_marker, encode_marker, paginate


def pages(items: list[str], size: int) -> list[list[str]]:
    out: list[list[str]] = []
    params: dict[str, Any] = {"MaxItems": size}
    while True:
        page = paginate(items, str, params)
        out.append(page.items)
        if page.next_marker is None:
            assert page.fields == {"IsTruncated": False}
            return out
        assert page.fields == {"IsTruncated": True, "Marker": page.next_marker}
        params = {"MaxItems": size, "Marker": page.next_marker}


def test_pages_cover_everything_once_in_order() -> None:
    items = [f"user-{i:03d}" for i in range(23)]
    for size in (1, 2, 5, 22, 23, 24, 1000):
        got = pages(list(reversed(items)), size)
        assert [item for page in got for item in page] == items
        assert all(len(page) <= size for page in got)


def test_default_page_size_is_100() -> None:
    page = paginate([f"{i:04d}" for i in range(150)], str, {})
    assert len(page.items) == DEFAULT_MAX_ITEMS and page.next_marker is not None


def test_empty_list() -> None:
    page = paginate([], str, {"MaxItems": 5})
    assert page.items == [] and page.fields == {"IsTruncated": False}


def test_items_added_or_removed_before_the_marker_do_not_shift_the_next_page() -> None:
    items = ["a", "b", "c", "d", "e"]
    first = paginate(items, str, {"MaxItems": 2})
    assert first.items == ["a", "b"]
    changed = ["0", "a", "b", "c", "d", "e"]  # one added before the page boundary
    assert paginate(changed, str, {"MaxItems": 2, "Marker": first.next_marker}).items == ["c", "d"]
    removed = ["b", "c", "d", "e"]  # one removed before the boundary
    assert paginate(removed, str, {"MaxItems": 2, "Marker": first.next_marker}).items == ["c", "d"]


def test_the_last_item_of_a_page_removed_meanwhile() -> None:
    first = paginate(["a", "b", "c", "d"], str, {"MaxItems": 2})
    assert paginate(["a", "c", "d"], str, {"MaxItems": 2, "Marker": first.next_marker}).items == ["c", "d"]


def test_markers_are_short_even_for_long_keys() -> None:
    marker = encode_marker(7, "arn:aws:iam::123456789012:mfa/" + "x" * 2000)
    assert len(marker) <= 320
    assert decode_marker(marker)[0] == 7


@pytest.mark.parametrize("marker", ["", "garbage", "AAAA", "é" * 10, encode_marker(1, "k")[:-4]])
def test_foreign_markers_are_invalid_input(marker: str) -> None:
    with pytest.raises(ApiError) as refused:
        paginate(["a"], str, {"Marker": marker})
    assert (refused.value.code, refused.value.status) == ("InvalidInput", 400)
