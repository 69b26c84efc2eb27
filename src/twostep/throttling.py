"""How failed attempts are slowed down, for the MFA code check and the console's password step alike.

`Throttling` holds the numbers (S8, S10, S11): a lock after so many consecutive failures, a doubling delay after
each one, and the same per source address; `source_key` is the unit an address is counted by. Storage keeps the
counts (mfa/ports.py, identity/ports.py); this module only computes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class Throttling:
    """S8/S10: lock at max_failures consecutive failures; wait base * 2^(n-1) seconds (capped) after n.

    Per source address (S10), on top: every failed code from one address counts, whatever the device or path;
    past the first few the address waits base * 2^(n-free-1) seconds, capped at a minute (an address may be a
    whole office behind NAT, so it is slowed down, never locked); an address quiet for a quarter of an hour starts
    afresh. A success does not reset it: one's own device would otherwise reset the count for every other guess.
    """

    max_failures: int = 10
    base_delay: float = 1.0
    max_delay: float = 300.0
    source_free_failures: int = 5
    source_max_delay: float = 60.0
    source_forget_after: float = 900.0

    def delay_after(self, failures: int) -> float:
        if failures <= 0 or self.base_delay <= 0:
            return 0.0
        return float(min(self.base_delay * 2 ** (failures - 1), self.max_delay))

    def source_delay_after(self, failures: int) -> float:
        beyond = failures - self.source_free_failures
        if beyond <= 0 or self.base_delay <= 0:
            return 0.0
        return float(min(self.base_delay * 2 ** (beyond - 1), self.source_max_delay))


def source_key(address: str | None) -> str | None:
    """The unit a source address is throttled by: an IPv4 address, or the /64 of an IPv6 one (one host may hold
    a whole /64). None when there is no usable address (e.g. the CLI)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def account_source_key(account_id: str, address: str | None) -> str | None:
    """The unit the per-address throttle counts by: the address (source_key) within one account.

    Many users share an address (an office NAT, an untrusted load balancer): keyed by the address alone, one
    account's wrong codes would slow down every user of every other account there. Within the account, the address
    is still one unit across all of its users and devices, so guessing across many devices stays slowed down.
    """
    source = source_key(address)
    return None if source is None else f"{account_id} {source}"
