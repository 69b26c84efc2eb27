"""Who the relying party is: its RP ID and the origins allowed to use its credentials, from the settings
(``--rp-id``, ``--public-url``) or, by default, from the host the browser used. Pure rules; the console applies them
to a request (console/relying_party.py), the CLI checks the settings before serving.

WebAuthn scopes a credential to an RP ID: a registrable domain that is the page's host or one of its parents.
An IP address is never one, so a console reached on a bare IP cannot offer passkeys. Browsers also offer WebAuthn
only to secure contexts: https, or http on localhost.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost",)


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def covers(rp_id: str, host: str) -> bool:
    """Whether credentials of `rp_id` may be used on pages of `host` (the host itself or one of its subdomains)."""
    return host == rp_id or host.endswith("." + rp_id)


def is_potentially_trustworthy(scheme: str, host: str) -> bool:
    """Whether a browser treats pages of this scheme and host as a secure context (WebAuthn needs one)."""
    return scheme == "https" or host in LOOPBACK_NAMES or host.endswith(".localhost")


def origin_and_host(url: str) -> tuple[str, str]:
    """The origin (scheme://host[:port], default port left out) and the host of a public URL; ValueError if it is
    not an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a URL with a valid port: {url!r}") from exc
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValueError(f"not an http(s) URL of the console: {url!r}")
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    origin = f"{scheme}://{shown}" if port in (None, default) else f"{scheme}://{shown}:{port}"
    return origin, host


def check_settings(rp_id: str | None, public_urls: Sequence[str]) -> None:
    """Refuse settings that can never work, before serving: a malformed URL, an IP address as RP ID, an RP ID
    that does not cover a public URL's host."""
    if rp_id is not None and (not rp_id or is_ip_address(rp_id) or rp_id != rp_id.lower().strip(".")):
        raise ValueError(f"--rp-id must be a lower-case host name, not an IP address: {rp_id!r}")
    for url in public_urls:
        _, host = origin_and_host(url)
        if rp_id is not None and not covers(rp_id, host):
            raise ValueError(f"--rp-id {rp_id} does not cover the host of --public-url {url}")
