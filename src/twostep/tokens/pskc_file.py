"""Seed files in PSKC (RFC 6030): plain seeds, seeds encrypted under a pre-shared key, or under a key derived from a
password (PBKDF2), with their MACs checked when the file has them.

The document is parsed by defusedxml with DTDs refused (a PSKC file never needs one, and entity expansion is how an
XML bomb works), then read by python-pskc (a maintained implementation of RFC 6030: decryption, key derivation, MAC
checks). A wrong key or password, a MAC that does not match, or a document that is not PSKC refuses the whole
file; an entry that is well formed but unusable (a HOTP key, a short seed) is listed as rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError  # types and the parse error only: parsing is defusedxml's

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pskc import PSKC
from pskc.exceptions import DecryptionError, KeyDerivationError, PSKCError
from pskc.key import Key
from pskc.parser import PSKCParser

from twostep.otp import TotpParameters
from twostep.tokens.entries import EntryProblem, checked, hash_algorithm
from twostep.tokens.errors import SeedFileError
from twostep.tokens.models import Rejected, SeedEntry


@dataclass(frozen=True)
class PskcUnlock:
    """What opens an encrypted file: the pre-shared key (KeyName) or the password (DerivedKey, PBKDF2)."""

    key: bytes | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


def read_pskc(data: bytes, unlock: PskcUnlock) -> list[SeedEntry]:
    root = _parse(data)
    container = PSKC()
    try:
        PSKCParser.parse_document(container, root)
    except PSKCError as exc:
        raise SeedFileError(f"not a PSKC document: {exc}") from None
    except Exception:  # a value python-pskc cannot read (bad base64, a non-number): its text may be a secret
        raise SeedFileError("not a PSKC document: an element holds a value that cannot be read") from None
    _unlock(container, unlock)
    _require_macs(root, container)
    _open_mac_key(container)
    entries: list[SeedEntry] = []
    for number, device in enumerate(container.devices, start=1):
        keys = device.keys
        for index, key in enumerate(keys, start=1):
            where = f"KeyPackage {number}" + (f" key {index}" if len(keys) > 1 else "")
            entries.append(_entry(where, key))
    return entries


def _parse(data: bytes) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SeedFileError("the document declares a DTD or entities, which PSKC never needs: refused unread") from None
    except ParseError as exc:
        raise SeedFileError(f"not a well-formed XML document ({exc})") from None
    return root


def _encrypted(container: PSKC) -> bool:
    encryption = container.encryption
    return bool(encryption.algorithm or encryption.key_names or encryption.derivation.algorithm)


def _unlock(container: PSKC, unlock: PskcUnlock) -> None:
    if not _encrypted(container):
        return
    encryption = container.encryption
    derived = encryption.derivation.algorithm is not None
    if unlock.password is not None:
        if not derived:
            raise SeedFileError("the seeds are encrypted with a pre-shared key, not a password: give the key")
        try:
            encryption.derive_key(unlock.password)
        except KeyDerivationError as exc:
            raise SeedFileError(f"cannot derive the file's key from the password: {exc}") from None
    elif unlock.key is not None:
        if derived:
            raise SeedFileError("the seeds are encrypted with a key derived from a password: give the password")
        encryption.key = unlock.key
    else:
        needed = "password" if derived else "pre-shared key"
        raise SeedFileError(f"the seeds are encrypted: the file needs its {needed}")


def _open_mac_key(container: PSKC) -> None:
    """Decrypt the MAC key once, rather than twice for every seed (python-pskc opens it on each use)."""
    if container.mac.algorithm is None:
        return
    try:
        container.mac.key = container.mac.key
    except DecryptionError:
        raise SeedFileError("the MAC key does not decrypt: a wrong key or password, or an altered file") from None


def _require_macs(root: Element, container: PSKC) -> None:
    """A file that declares a MAC method must carry a MAC with every encrypted seed (RFC 6030 §6.1.1): otherwise an
    altered seed would go unnoticed. python-pskc checks the MACs that are there."""
    if container.mac.algorithm is None:
        return
    for number, package in enumerate(root.iter("KeyPackage"), start=1):
        for secret in package.iter("Secret"):
            if secret.find("EncryptedValue") is not None and secret.find("ValueMAC") is None:
                raise SeedFileError(f"KeyPackage {number}: an encrypted seed without the MAC the file declares")


def _entry(where: str, key: Key) -> SeedEntry:
    serial = key.serial
    label = f"{where} ({serial})" if serial else where
    seed = _value(key, "secret", label)  # first, whatever the key is: a wrong key or MAC refuses the whole file
    algorithm = (key.algorithm or "").lower()
    if not algorithm.endswith("totp"):
        reason = "a HOTP key, not TOTP" if algorithm.endswith("hotp") else "not a TOTP key"
        return Rejected(where, serial, reason)
    try:
        digits = key.response_length
        period = _value(key, "time_interval", label)
        if key.response_encoding and key.response_encoding.upper() != "DECIMAL":
            return Rejected(where, serial, "the codes are not decimal")
        params = TotpParameters(digits=digits or 6, period=period or 30, algorithm=hash_algorithm(key.algorithm_suite))
    except (EntryProblem, ValueError) as problem:
        return Rejected(where, serial, str(problem))
    if not isinstance(seed, bytes):
        return Rejected(where, serial, "no seed")
    return checked(where, serial, seed, params)


def _value(key: Key, name: str, label: str) -> Any:
    """A (possibly encrypted) value of the key; a failed decryption or MAC refuses the whole file."""
    try:
        return getattr(key, name)
    except DecryptionError as exc:
        if "MAC" in str(exc):
            raise SeedFileError(
                f"{label}: the MAC does not match: a wrong key or password, or an altered file"
            ) from None
        raise SeedFileError(f"{label}: does not decrypt: a wrong key or password, or an altered file") from None
