"""The relying party of a console request: the settings' RP ID and public URLs (docs/passkeys.md) or, by default,
the host and origin the browser used; or why passkeys cannot work on this request (a bare IP address, plain http
off localhost, another address than the public one). The reasons are one line each, shown beside the passkey
option."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.requests import Request

from twostep.console.i18n import N_
from twostep.console.pages import Console
from twostep.console.security import is_https, own_origin
from twostep.passkeys.models import RelyingParty
from twostep.passkeys.relying_party import covers, is_ip_address, is_potentially_trustworthy, origin_and_host

AT_AN_IP_ADDRESS = N_(
    "Not available at an IP address: WebAuthn needs a host name. Open the console at {url} to use passkeys."
)
AT_AN_IP_ADDRESS_ELSEWHERE = N_(
    "Not available at an IP address: WebAuthn needs a host name. Open the console by its host name to use passkeys."
)
NOT_SECURE = N_("Not available over plain http except on localhost: open the console over https to use passkeys.")
NOT_THE_PUBLIC_URL = N_("Not available at this address: open the console at {url} to use passkeys.")


@dataclass(frozen=True)
class PasskeySupport:
    rp: RelyingParty | None
    reason: str | None = None  # translated; set when rp is None

    @property
    def available(self) -> bool:
        return self.rp is not None


def passkey_support(console: Console, request: Request) -> PasskeySupport:
    settings = console.services.settings
    scheme = "https" if is_https(request) else "http"
    origin = own_origin(request)
    host = (request.url.hostname or "").lower()
    if settings.public_urls:
        public = [origin_and_host(url) for url in settings.public_urls]
        if origin not in [allowed for allowed, _ in public]:
            return _unavailable(console, request, NOT_THE_PUBLIC_URL, settings.public_urls[0])
        rp_id = settings.rp_id or public[0][1]
        origins = tuple(dict.fromkeys(allowed for allowed, _ in public))
    else:
        rp_id, origins = settings.rp_id or host, (origin,)
    if is_ip_address(host):
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            port = f":{request.url.port}" if request.url.port else ""
            return _unavailable(console, request, AT_AN_IP_ADDRESS, f"{scheme}://localhost{port}")
        return _unavailable(console, request, AT_AN_IP_ADDRESS_ELSEWHERE)
    if not is_potentially_trustworthy(scheme, host):
        return _unavailable(console, request, NOT_SECURE)
    if not covers(rp_id, host):
        return _unavailable(console, request, NOT_THE_PUBLIC_URL, f"{scheme}://{rp_id}")
    return PasskeySupport(RelyingParty(rp_id, origins, settings.issuer))


def _unavailable(console: Console, request: Request, message: str, url: str = "") -> PasskeySupport:
    return PasskeySupport(None, console.gettext(request, message).format(url=url))
