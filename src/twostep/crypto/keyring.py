"""AES-256-GCM key ring for secrets at rest (security bar S20).

Every sealed value records the id of the key that sealed it, so keys can be rotated online: new values are
sealed under the active key while old ones stay readable until re-encrypted. The associated data binds a
ciphertext to the record it belongs to (a seed copied onto another device's row fails to open).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyRingError(Exception):
    """The key file is missing, malformed, or does not hold the key a record names."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce || ciphertext || tag


class KeyRing:
    def __init__(self, keys: dict[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise KeyRingError(f"active key {active_key_id!r} is not in the key ring")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyRingError(f"key {key_id!r} is not 256 bits")
        self._keys = dict(keys)
        self.active_key_id = active_key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = AESGCM(self._keys[self.active_key_id])
        return Sealed(self.active_key_id, nonce + cipher.encrypt(nonce, plaintext, associated_data))

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise KeyRingError(f"no key {sealed.key_id!r} in the key ring")
        nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, body, associated_data)
        except InvalidTag as exc:
            raise KeyRingError("a sealed value failed authentication") from exc

    def with_new_active_key(self) -> tuple[KeyRing, str]:
        key_id = f"k{len(self._keys) + 1}-{secrets.token_hex(4)}"
        keys = dict(self._keys)
        keys[key_id] = AESGCM.generate_key(bit_length=256)
        return KeyRing(keys, key_id), key_id

    def without(self, key_id: str) -> KeyRing:
        if key_id == self.active_key_id:
            raise KeyRingError("cannot drop the active key")
        keys = {k: v for k, v in self._keys.items() if k != key_id}
        return KeyRing(keys, self.active_key_id)

    # -- the key file ---------------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        key_id = f"k1-{secrets.token_hex(4)}"
        return cls({key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            keys = {k: base64.b64decode(v) for k, v in document["keys"].items()}
            return cls(keys, document["active"])
        except FileNotFoundError as exc:
            raise KeyRingError(f"key file {path} does not exist") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"key file {path} is malformed") from exc

    def save(self, path: Path) -> None:
        """Write the key file atomically, readable by its owner only."""
        document = {
            "active": self.active_key_id,
            "keys": {k: base64.b64encode(v).decode("ascii") for k, v in self._keys.items()},
        }
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
