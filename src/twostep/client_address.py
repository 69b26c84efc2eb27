"""The address a request came from, and whether it arrived over HTTPS, as the audit log, the throttles, policy
conditions (aws:SourceIp, aws:SecureTransport) and the console's secure cookies see them.

The one place that reads them, for the console and the API alike: the connection's peer, unless the operator named
it as a trusted proxy, in which case its forwarded headers say (forwarded.py). The trusted proxies come from the
settings and are kept on the application (server.create_app).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from twostep.forwarded import ClientOrigin, TrustedProxies

NO_PROXIES = TrustedProxies()


def client_origin(connection: HTTPConnection) -> ClientOrigin:
    app = connection.scope.get("app")
    proxies = getattr(getattr(app, "state", None), "trusted_proxies", NO_PROXIES)
    peer = connection.client.host if connection.client else None
    scheme = connection.scope.get("scheme", "http")
    if not proxies.networks:  # the default: no header is read at all (this runs several times per request)
        return ClientOrigin(peer, scheme == "https")
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in connection.scope["headers"]]
    return proxies.client(peer, scheme, headers)


def client_address(connection: HTTPConnection) -> str | None:
    """The client's IP address, or None when the server does not know it (e.g. a Unix socket)."""
    return client_origin(connection).address


def is_secure(connection: HTTPConnection) -> bool:
    """The client's own connection used HTTPS (directly, or to a trusted proxy that said so)."""
    return client_origin(connection).secure
