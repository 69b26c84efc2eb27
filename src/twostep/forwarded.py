"""Which address a request came from, and whether it arrived over HTTPS, when proxies may stand in between.

No forwarded header is believed unless the operator named the proxies (``--trusted-proxy CIDR``,
``TWOSTEP_TRUSTED_PROXIES``). When the peer is one of them, the client is the right-most address of
``X-Forwarded-For`` (else of ``Forwarded``'s ``for=``) that is not itself a trusted proxy: every proxy appends the
address it saw, so entries to the left of the first untrusted one may be the client's own inventions. A header that
does not parse is ignored as a whole (the peer is the client then): a malformed header never switches a per-address
check off. The scheme is taken from ``X-Forwarded-Proto`` (else ``Forwarded``'s ``proto=``) under the same rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class ClientOrigin:
    address: str | None  # None only when the server could not tell (no peer address, e.g. a Unix socket)
    secure: bool  # the client's own connection used HTTPS


class TrustedProxies:
    """The proxies whose forwarded headers are believed; none by default."""

    def __init__(self, cidrs: Iterable[str] = ()) -> None:
        networks: list[IpNetwork] = []
        for cidr in cidrs:
            try:
                networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR range: {cidr!r}") from exc
        self.networks: tuple[IpNetwork, ...] = tuple(networks)

    @classmethod
    def from_text(cls, text: str) -> TrustedProxies:
        """``TWOSTEP_TRUSTED_PROXIES``: CIDR ranges or addresses separated by commas or spaces."""
        return cls(part for part in text.replace(",", " ").split() if part)

    def trusts(self, address: IpAddress | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str | None, scheme: str, headers: Sequence[tuple[str, str]]) -> ClientOrigin:
        """The client of a request whose TCP peer is `peer`, received over `scheme`, with these headers (names in
        any case, repeated headers in order)."""
        direct = ClientOrigin(peer, scheme == "https")
        if not self.networks or not self.trusts(_parse_ip(peer)):
            return direct
        proto = _forwarded_proto(headers)
        secure = proto == "https" if proto is not None else direct.secure
        chain = _forwarded_for(headers)
        if not chain:
            return ClientOrigin(peer, secure)
        hops = [*chain, _parse_ip(peer)]
        client = next((hop for hop in reversed(hops) if not self.trusts(hop)), hops[0])
        return ClientOrigin(str(client), secure)


def _values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


def _parse_ip(text: str | None) -> IpAddress | None:
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _forwarded_for(headers: Sequence[tuple[str, str]]) -> list[IpAddress] | None:
    """The addresses the proxies appended, left to right; None when the header is absent or any entry malformed."""
    x_forwarded_for = _values(headers, "x-forwarded-for")
    if x_forwarded_for:
        entries = [entry.strip() for value in x_forwarded_for for entry in value.split(",")]
    else:
        entries = [pairs["for"] for pairs in _forwarded_elements(headers) if "for" in pairs]
        entries = [_strip_node(entry) for entry in entries]
    if not entries:
        return None
    parsed = [_parse_ip(entry) for entry in entries]
    if any(address is None for address in parsed):
        return None
    return [address for address in parsed if address is not None]


def _forwarded_proto(headers: Sequence[tuple[str, str]]) -> str | None:
    """The scheme the right-most proxy saw; None when absent or not http/https."""
    values = [entry.strip().lower() for value in _values(headers, "x-forwarded-proto") for entry in value.split(",")]
    if not values:
        values = [pairs["proto"].lower() for pairs in _forwarded_elements(headers) if "proto" in pairs]
    if not values or values[-1] not in ("http", "https"):
        return None
    return values[-1]


def _forwarded_elements(headers: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"`` as one dict per element."""
    elements: list[dict[str, str]] = []
    for value in _values(headers, "forwarded"):
        for element in value.split(","):
            pairs: dict[str, str] = {}
            for pair in element.split(";"):
                name, sep, raw = pair.partition("=")
                if sep:
                    pairs[name.strip().lower()] = raw.strip().strip('"')
            elements.append(pairs)
    return elements


def _strip_node(node: str) -> str:
    """An RFC 7239 node without its port: ``[2001:db8::1]:4711`` -> ``2001:db8::1``, ``192.0.2.1:80`` -> the IP."""
    if node.startswith("["):
        return node[1 : node.find("]")] if "]" in node else node
    host, sep, port = node.rpartition(":")
    return host if sep and host.count(":") == 0 and port.isdigit() else node
