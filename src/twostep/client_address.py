"""The address a request came from, as the audit log, the throttles and policy conditions (aws:SourceIp) see it.

The one place that reads it, for the console and the API alike: today the peer address of the connection.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_address(connection: HTTPConnection) -> str | None:
    """The client's IP address, or None when the server does not know it (e.g. a Unix socket)."""
    return connection.client.host if connection.client else None
