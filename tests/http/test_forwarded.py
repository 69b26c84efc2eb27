"""The client address and scheme behind proxies: only named proxies are believed, right-most untrusted wins."""

from __future__ import annotations

import pytest

from twostep.forwarded import ClientOrigin, TrustedProxies

PROXY = "10.0.0.5"
NONE = TrustedProxies()
LOCAL_PROXY = TrustedProxies(["10.0.0.0/8"])


def test_nothing_is_believed_by_default() -> None:
    headers = [("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https")]
    assert NONE.client("127.0.0.1", "http", headers) == ClientOrigin("127.0.0.1", False)


def test_an_untrusted_peer_is_the_client_whatever_it_sends() -> None:
    headers = [("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=198.51.100.1;proto=https")]
    assert LOCAL_PROXY.client("192.0.2.7", "http", headers) == ClientOrigin("192.0.2.7", False)


def test_the_right_most_untrusted_entry_is_the_client() -> None:
    # The client sent its own X-Forwarded-For: 1.1.1.1; the trusted proxies appended what they saw.
    headers = [("X-Forwarded-For", "1.1.1.1, 198.51.100.23, 10.0.0.9")]
    assert LOCAL_PROXY.client(PROXY, "http", headers).address == "198.51.100.23"


def test_repeated_headers_read_as_one_list() -> None:
    headers = [("x-forwarded-for", "1.1.1.1"), ("X-FORWARDED-FOR", "198.51.100.23")]
    assert LOCAL_PROXY.client(PROXY, "http", headers).address == "198.51.100.23"


@pytest.mark.parametrize("value", ["not-an-ip", "198.51.100.23, garbage", "", " , "])
def test_a_malformed_header_is_ignored_as_a_whole(value: str) -> None:
    assert LOCAL_PROXY.client(PROXY, "http", [("X-Forwarded-For", value)]).address == PROXY


def test_forwarded_is_read_when_x_forwarded_for_is_absent() -> None:
    headers = [("Forwarded", 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.9')]
    assert LOCAL_PROXY.client(PROXY, "http", headers) == ClientOrigin("2001:db8::1", True)
    headers = [("Forwarded", "for=192.0.2.60:8080;proto=http")]
    assert LOCAL_PROXY.client(PROXY, "https", headers) == ClientOrigin("192.0.2.60", False)


def test_obfuscated_or_unknown_forwarded_nodes_are_ignored() -> None:
    for node in ("unknown", "_hidden"):
        assert LOCAL_PROXY.client(PROXY, "http", [("Forwarded", f"for={node}")]).address == PROXY


def test_the_scheme_comes_from_a_trusted_proxy_only() -> None:
    proto = [("X-Forwarded-For", "198.51.100.23"), ("X-Forwarded-Proto", "https")]
    assert LOCAL_PROXY.client(PROXY, "http", proto).secure is True
    assert LOCAL_PROXY.client("192.0.2.7", "http", proto).secure is False
    assert LOCAL_PROXY.client(PROXY, "http", [("X-Forwarded-Proto", "https")]) == ClientOrigin(PROXY, True)
    odd = [("X-Forwarded-For", "198.51.100.23"), ("X-Forwarded-Proto", "gopher")]
    assert LOCAL_PROXY.client(PROXY, "https", odd).secure is True


def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    assert LOCAL_PROXY.client(PROXY, "http", [("X-Forwarded-For", "10.1.1.1, 10.2.2.2")]).address == "10.1.1.1"


def test_settings_text_and_bad_ranges() -> None:
    proxies = TrustedProxies.from_text("10.0.0.0/8, 192.168.1.1  ::1")
    assert len(proxies.networks) == 3
    with pytest.raises(ValueError, match="not an IP address or CIDR range"):
        TrustedProxies(["10.0.0.0/33"])
