"""Keyed digests of seeds, so that a seed already installed is recognised without comparing seeds in the clear.

The digest is HMAC-SHA256 of the seed under a key derived (HKDF) from a key-ring key, recorded with that key's id.
After `twostep keys rotate`, digests under an older key are recomputed under the active one from the (re-sealed)
seeds before the next import compares anything (TokenService.refresh_digests).
"""

from __future__ import annotations

import hashlib
import hmac

from twostep.crypto.keyring import KeyRing

PURPOSE = b"hardware-token-seed-digest"


class SeedFingerprints:
    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring
        self._keys: dict[str, bytes] = {}

    def active_key_id(self) -> str:
        self._keyring.refresh_if_changed()
        return self._keyring.active_key_id

    def digest(self, seed: bytes, key_id: str) -> str:
        key = self._keys.get(key_id)
        if key is None:
            key = self._keys[key_id] = self._keyring.derive(PURPOSE, key_id)[1]
        return hmac.digest(key, seed, hashlib.sha256).hex()
