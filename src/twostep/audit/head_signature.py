"""The signed head of an audit chain: what makes truncating or rewriting a chain detectable (S27).

A hash chain on its own proves only that its events agree with each other: whoever can write the database can
drop the last events and roll the head row back, or recompute every hash from the first event on. So each head
row also carries an HMAC-SHA256 over (chain, seq, hash) under a key derived from the key ring, which lives
outside the database. Re-signing needs the key file; checking needs it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from twostep.crypto.keyring import KeyRing, KeyRingError

PURPOSE = b"audit-head/v1"


@dataclass(frozen=True)
class HeadSignature:
    key_id: str  # the key-ring key the MAC key was derived from
    mac: str  # hex HMAC-SHA256


@dataclass(frozen=True)
class ChainHead:
    chain: str
    seq: int
    hash: str
    signature: HeadSignature | None  # None: written before revision 0003, or by a process without a key ring


def _message(chain: str, seq: int, digest: str) -> bytes:
    return json.dumps([chain, seq, digest], separators=(",", ":")).encode("ascii")


def _checkpoint_message(chain: str, seq: int, digest: str, at: float) -> bytes:
    """A checkpoint's MAC input: tagged, so that a head's MAC is never a checkpoint's and the other way round."""
    return json.dumps(["checkpoint", chain, seq, digest, repr(float(at))], separators=(",", ":")).encode("ascii")


class HeadSigner:
    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring
        self._derived: dict[str, bytes] = {}

    def _mac_key(self, key_id: str | None) -> tuple[str, bytes]:
        if key_id is None:
            self._keyring.refresh_if_changed()
            key_id = self._keyring.active_key_id
        key = self._derived.get(key_id)
        if key is None:
            key_id, key = self._keyring.derive(PURPOSE, key_id)
            self._derived[key_id] = key
        return key_id, key

    def sign(self, chain: str, seq: int, digest: str) -> HeadSignature:
        """Sign under the active key (the one new values are sealed under)."""
        key_id, key = self._mac_key(None)
        return HeadSignature(key_id, hmac.new(key, _message(chain, seq, digest), hashlib.sha256).hexdigest())

    def sign_checkpoint(self, chain: str, seq: int, digest: str, at: float) -> HeadSignature:
        """A checkpoint of a head (audit/checkpoints.py), under the same key as the heads."""
        key_id, key = self._mac_key(None)
        message = _checkpoint_message(chain, seq, digest, at)
        return HeadSignature(key_id, hmac.new(key, message, hashlib.sha256).hexdigest())

    def check(self, head: ChainHead) -> str | None:
        """None when the head's signature holds; otherwise why not."""
        if head.signature is None:
            return "the head is not signed"
        return self._check(head.signature, _message(head.chain, head.seq, head.hash), "head")

    def check_checkpoint(self, chain: str, seq: int, digest: str, at: float, signature: HeadSignature) -> str | None:
        """None when a checkpoint's signature holds; otherwise why not."""
        return self._check(signature, _checkpoint_message(chain, seq, digest, at), "checkpoint")

    def _check(self, signature: HeadSignature, message: bytes, what: str) -> str | None:
        try:
            _, key = self._mac_key(signature.key_id)
        except KeyRingError:
            return f"the {what} is signed under key {signature.key_id!r}, which the key file does not hold"
        expected = hmac.new(key, message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.mac):
            return f"the {what}'s signature does not match its sequence number and hash"
        return None
