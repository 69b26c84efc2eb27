"""AES-256-GCM key ring for secrets at rest (security bar S20).

Every sealed value records the id of the key that sealed it, so keys can be rotated online: new values are
sealed under the active key while old ones stay readable until re-encrypted. The associated data binds a
ciphertext to the record it belongs to (a seed copied onto another device's row fails to open).

A key ring loaded from a key file follows that file: `twostep keys rotate` (run beside live servers) writes a new
active key into it, and a running process picks the new file up the next time it seals (the file's identity is
checked, a stat call) or meets a value sealed under a key id it has not loaded yet (the file is read again once).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class KeyRingError(Exception):
    """The key file is missing, malformed, or does not hold the key a record names."""


class KeyFileError(KeyRingError):
    """The key file itself could not be used: `path` is the file, `detail` what was wrong with it."""

    def __init__(self, path: Path, message: str, detail: str) -> None:
        super().__init__(message)
        self.path = path
        self.detail = detail


class KeyFileMissing(KeyFileError):
    def __init__(self, path: Path) -> None:
        super().__init__(path, f"key file {path} does not exist", "it does not exist")


class KeyFileUnreadable(KeyFileError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, f"key file {path} cannot be read: {reason}", reason)


class KeyFileMalformed(KeyFileError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, f"key file {path} is malformed: {reason}", reason)


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce || ciphertext || tag


class KeyRing:
    def __init__(self, keys: dict[str, bytes], active_key_id: str) -> None:
        _check(keys, active_key_id)
        # One tuple, replaced whole on reload, so a concurrent reader never sees half of two key files.
        self._state: tuple[dict[str, bytes], str] = (dict(keys), active_key_id)
        self._source: Path | None = None
        self._stamp: tuple[int, int, int] | None = None

    @property
    def active_key_id(self) -> str:
        return self._state[1]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._state[0])

    def seal(self, plaintext: bytes, associated_data: bytes) -> Sealed:
        self.refresh_if_changed()
        keys, active = self._state
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = AESGCM(keys[active])
        return Sealed(active, nonce + cipher.encrypt(nonce, plaintext, associated_data))

    def open(self, sealed: Sealed, associated_data: bytes) -> bytes:
        key = self._key(sealed.key_id)
        nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, body, associated_data)
        except InvalidTag as exc:
            raise KeyRingError("a sealed value failed authentication") from exc

    def derive(self, purpose: bytes, key_id: str | None = None) -> tuple[str, bytes]:
        """A 256-bit key for one purpose (e.g. signing audit heads), derived with HKDF-SHA256 (RFC 5869) from the
        named key, or from the active one. The derived key never decrypts anything the ring sealed."""
        if key_id is None:
            self.refresh_if_changed()
            key_id = self.active_key_id
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"twostep/" + purpose)
        return key_id, hkdf.derive(self._key(key_id))

    def _key(self, key_id: str) -> bytes:
        key = self._state[0].get(key_id)
        if key is None and self._source is not None:
            # Sealed by a process that already follows a rotated key file: read the file once more.
            self.reload()
            key = self._state[0].get(key_id)
        if key is None:
            raise KeyRingError(f"no key {key_id!r} in the key ring")
        return key

    # -- following the key file -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the key file again (no-op for a key ring that was not loaded from a file)."""
        if self._source is None:
            return
        loaded = KeyRing.load(self._source)
        self._state, self._stamp = loaded._state, loaded._stamp

    def refresh_if_changed(self) -> None:
        """Reload if the key file was replaced since it was read (a rotation writes a new file atomically)."""
        if self._source is None:
            return
        try:
            changed = _stamp(self._source) != self._stamp
        except OSError:
            return  # keep serving with the keys already loaded; the operator sees the file's absence elsewhere
        if changed:
            self.reload()

    def with_new_key(self, *, activate: bool) -> tuple[KeyRing, str]:
        """A copy with one more key, numbered after every key it holds; active at once, or staged for later."""
        keys = dict(self._state[0])
        key_id = f"k{max((key_number(k) for k in keys), default=0) + 1}-{secrets.token_hex(4)}"
        keys[key_id] = AESGCM.generate_key(bit_length=256)
        return KeyRing(keys, key_id if activate else self.active_key_id), key_id

    def activated(self, key_id: str) -> KeyRing:
        return KeyRing(self._state[0], key_id)

    def without(self, key_id: str) -> KeyRing:
        if key_id == self.active_key_id:
            raise KeyRingError("cannot drop the active key")
        keys = {k: v for k, v in self._state[0].items() if k != key_id}
        return KeyRing(keys, self.active_key_id)

    # -- the key file ---------------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        key_id = f"k1-{secrets.token_hex(4)}"
        return cls({key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        """The key ring the file holds; KeyFileMissing, KeyFileUnreadable or KeyFileMalformed otherwise."""
        try:
            stamp = _stamp(path)
            content = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyFileMissing(path) from exc
        except OSError as exc:
            raise KeyFileUnreadable(path, (exc.strerror or str(exc)).lower()) from exc
        ring = cls(*_parse(path, content))
        ring._source, ring._stamp = path, stamp
        return ring

    def save(self, path: Path) -> None:
        """Write the key file atomically, readable by its owner only."""
        keys, active = self._state
        document = {
            "active": active,
            "keys": {k: base64.b64encode(v).decode("ascii") for k, v in keys.items()},
        }
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def key_number(key_id: str) -> int:
    """The N of a key id "kN-...": keys are numbered in the order they were made (0 for other ids)."""
    match = re.match(r"k(\d+)-", key_id)
    return int(match.group(1)) if match else 0


def _parse(path: Path, content: bytes) -> tuple[dict[str, bytes], str]:
    """The keys and the active key id of a key file's content, each checked."""
    try:
        document = json.loads(content.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, or not JSON
        raise KeyFileMalformed(path, "not JSON") from exc
    try:
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in document["keys"].items()}
        active = document["active"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise KeyFileMalformed(path, 'not an object with "active" and "keys"') from exc
    except (binascii.Error, ValueError) as exc:
        raise KeyFileMalformed(path, "a key is not base64") from exc
    if not isinstance(active, str):
        raise KeyFileMalformed(path, '"active" is not a key id')
    try:
        _check(keys, active)
    except KeyRingError as exc:
        raise KeyFileMalformed(path, str(exc)) from exc
    return keys, active


def _check(keys: dict[str, bytes], active_key_id: str) -> None:
    if active_key_id not in keys:
        raise KeyRingError(f"active key {active_key_id!r} is not in the key ring")
    for key_id, key in keys.items():
        if len(key) != 32:
            raise KeyRingError(f"key {key_id!r} is not 256 bits")


def _stamp(path: Path) -> tuple[int, int, int]:
    """What changes when the key file is replaced: os.replace gives it a new inode."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size
