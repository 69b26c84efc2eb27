"""Provisioning URIs for authenticator apps.

Implements the de-facto "Key Uri Format" published with Google Authenticator,
which every mainstream authenticator app reads from a QR code:
``otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER[&algorithm=..][&digits=..][&period=..]``.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from twostep.otp.totp import TotpParameters

__all__ = ["base32_secret", "key_uri"]

_DEFAULTS = TotpParameters()


def base32_secret(secret: bytes) -> str:
    """Encode ``secret`` as RFC 4648 §6 base32, upper case, with the ``=`` padding removed.

    The Key Uri Format's ``secret`` parameter is unpadded, and people typing the
    secret by hand into an app should not have to type padding either.
    """
    if len(secret) == 0:
        raise ValueError("secret must not be empty")
    return base64.b32encode(bytes(secret)).decode("ascii").rstrip("=")


def _component(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} must not be empty")
    if ":" in value:
        # The format forbids colons in issuer and account name, even encoded:
        # several apps unquote the label before splitting on the separator.
        raise ValueError(f"{what} must not contain ':'")
    # safe="" so '/', '@', '?', '&', '#' and spaces are all escaped; RFC 3986 §2.1
    # percent-encoding of the UTF-8 bytes keeps non-ASCII names intact.
    return quote(value, safe="")


def key_uri(secret: bytes, *, issuer: str, label: str, params: TotpParameters = _DEFAULTS) -> str:
    """Return the ``otpauth://totp/...`` URI that provisions ``secret`` in an authenticator app.

    ``issuer`` appears both as the label prefix and as the ``issuer`` parameter, as
    the format recommends for compatibility with old and new apps. The
    ``algorithm``, ``digits`` and ``period`` parameters are emitted only when they
    differ from the RFC 6238 defaults, since some apps reject or ignore them.
    """
    encoded_issuer = _component(issuer, "issuer")
    encoded_label = _component(label, "label")
    query = [f"secret={base32_secret(secret)}", f"issuer={encoded_issuer}"]
    if params.algorithm != _DEFAULTS.algorithm:
        query.append(f"algorithm={params.algorithm.value}")
    if params.digits != _DEFAULTS.digits:
        query.append(f"digits={params.digits}")
    if params.period != _DEFAULTS.period:
        query.append(f"period={params.period}")
    return f"otpauth://totp/{encoded_issuer}:{encoded_label}?{'&'.join(query)}"
