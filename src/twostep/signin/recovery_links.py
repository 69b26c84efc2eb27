"""The link mailed to the root user's address for signing in using alternative factors: single use, 15 minutes,
bound to the half-signed-in session that asked for it.

Its token is the link's id and a MAC of that id under a key derived from the key ring (KeyRing.derive): nothing
secret is stored, not in the link's row and not in the audit event the mail is sent from (S23). The mail's
dispatcher derives the same token from the event to write the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from twostep.audit.events import AuditEvent
from twostep.crypto.keyring import KeyRing, KeyRingError

LINK_LIFETIME = 15 * 60
PURPOSE = b"signin-recovery-link"
REQUESTED_EVENT = "SignInRecoveryRequested"


@dataclass(frozen=True)
class RecoveryLink:
    id: str
    user_id: str
    session_hash: str  # the half-signed-in session it belongs to
    key_id: str  # the key-ring key its token's MAC key is derived from
    created_at: float
    expires_at: float
    used_at: float | None = None


def new_link_id() -> str:
    return secrets.token_hex(16)


def link_token(keyring: KeyRing, link_id: str, key_id: str) -> str:
    _, key = keyring.derive(PURPOSE, key_id)
    mac = hmac.new(key, link_id.encode("ascii"), hashlib.sha256).digest()
    return f"{link_id}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def link_id_of(token: str) -> str | None:
    link_id, dot, _ = token.partition(".")
    if not dot or len(link_id) != 32 or not link_id.isascii() or not link_id.isalnum():
        return None
    return link_id


def token_matches(keyring: KeyRing, link: RecoveryLink, token: str) -> bool:
    try:
        expected = link_token(keyring, link.id, link.key_id)
    except KeyRingError:  # its key left the key ring (a finished rotation): the link is dead
        return False
    return hmac.compare_digest(expected.encode("ascii"), token.encode("utf-8", "replace"))


class RecoveryLinkWriter:
    """Writes the link of a SignInRecoveryRequested event into its mail (the notification dispatcher's link_for)."""

    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring

    def __call__(self, event: AuditEvent) -> str | None:
        details = event.details
        link_id, key_id, url = details.get("linkId"), details.get("keyId"), details.get("verifyUrl")
        if event.event_name != REQUESTED_EVENT or not all(isinstance(v, str) for v in (link_id, key_id, url)):
            return None
        assert isinstance(link_id, str) and isinstance(key_id, str) and isinstance(url, str)
        try:
            return f"{url}?token={link_token(self._keyring, link_id, key_id)}"
        except KeyRingError:
            return None
