"""Seed files as a vendor would ship them, written by the tests: PSKC (RFC 6030) built here with `cryptography`
(AES-CBC with the IV in front of the ciphertext, HMAC-SHA1 over it, PBKDF2 for passwords), independently of the
PSKC library the product reads them with; CSV and otpauth lines."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DATA = Path(__file__).with_name("data")
RFC_PRE_SHARED_KEY = bytes.fromhex("12345678901234567890123456789012")
RFC_PASSWORD = "qwerty"
RFC_SEED = b"12345678901234567890"  # the seed of every example in RFC 6030
PBKDF2_ITERATIONS = 1000
XENC = "http://www.w3.org/2001/04/xmlenc#"


@dataclass(frozen=True)
class VendorToken:
    serial: str
    seed: bytes = field(default_factory=lambda: secrets.token_bytes(20))
    digits: int = 6
    period: int = 30
    suite: str | None = None  # e.g. "HMAC-SHA256"; absent means SHA-1

    @property
    def base32(self) -> str:
        return base64.b32encode(self.seed).decode().rstrip("=")

    @property
    def seed_b64(self) -> str:
        return base64.b64encode(self.seed).decode()

    @property
    def digest(self) -> str:
        return {None: "sha1", "HMAC-SHA1": "sha1", "HMAC-SHA256": "sha256", "HMAC-SHA512": "sha512"}[self.suite]


def rfc_file(name: str, *, totp: bool = False) -> bytes:
    """A fixture written from RFC 6030's examples; with totp=True its key's Algorithm says TOTP instead of HOTP
    (the MAC covers the encrypted seed only, so it still checks out)."""
    content = (DATA / name).read_bytes()
    return content.replace(b'pskc:hotp"', b'pskc:totp"') if totp else content


def _encrypt(key: bytes, plaintext: bytes) -> bytes:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def pskc_file(
    tokens: list[VendorToken],
    *,
    key: bytes | None = None,
    password: str | None = None,
    mac: bool = True,
    algorithm: str = "totp",
) -> bytes:
    """A PSKC document: plain seeds, or seeds under a pre-shared key or a password (PBKDF2-HMAC-SHA1, 16 bytes),
    with a MAC on each encrypted seed unless mac=False."""
    salt = os.urandom(8)
    if password is not None:
        key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, PBKDF2_ITERATIONS, 16)
    header = ""
    mac_key = os.urandom(20)
    if key is not None and password is not None:
        header += f"""
  <EncryptionKey>
    <xenc11:DerivedKey>
      <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">
        <pkcs5:PBKDF2-params>
          <Salt><Specified>{_b64(salt)}</Specified></Salt>
          <IterationCount>{PBKDF2_ITERATIONS}</IterationCount>
          <KeyLength>16</KeyLength>
          <PRF/>
        </pkcs5:PBKDF2-params>
      </xenc11:KeyDerivationMethod>
      <xenc11:MasterKeyName>vendor password</xenc11:MasterKeyName>
    </xenc11:DerivedKey>
  </EncryptionKey>"""
    elif key is not None:
        header += "\n  <EncryptionKey><ds:KeyName>vendor transport key</ds:KeyName></EncryptionKey>"
    if key is not None and mac:
        header += f"""
  <MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
    <MACKey>
      <xenc:EncryptionMethod Algorithm="{XENC}aes{len(key) * 8}-cbc"/>
      <xenc:CipherData><xenc:CipherValue>{_b64(_encrypt(key, mac_key))}</xenc:CipherValue></xenc:CipherData>
    </MACKey>
  </MACMethod>"""
    packages = []
    for token in tokens:
        if key is None:
            secret = f"<PlainValue>{_b64(token.seed)}</PlainValue>"
        else:
            encrypted = _encrypt(key, token.seed)
            secret = (
                f'<EncryptedValue><xenc:EncryptionMethod Algorithm="{XENC}aes{len(key) * 8}-cbc"/>'
                f"<xenc:CipherData><xenc:CipherValue>{_b64(encrypted)}</xenc:CipherValue></xenc:CipherData>"
                "</EncryptedValue>"
            )
            if mac:
                secret += f"<ValueMAC>{_b64(hmac.digest(mac_key, encrypted, 'sha1'))}</ValueMAC>"
        suite = f"<Suite>{token.suite}</Suite>" if token.suite else ""
        packages.append(f"""
  <KeyPackage>
    <DeviceInfo><Manufacturer>Acme Tokens</Manufacturer><SerialNo>{token.serial}</SerialNo></DeviceInfo>
    <Key Id="{token.serial}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:{algorithm}">
      <AlgorithmParameters>{suite}<ResponseFormat Length="{token.digits}" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret>{secret}</Secret>
        <Time><PlainValue>0</PlainValue></Time>
        <TimeInterval><PlainValue>{token.period}</PlainValue></TimeInterval>
      </Data>
    </Key>
  </KeyPackage>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="{XENC}"
    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"
    xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">{header}{"".join(packages)}
</KeyContainer>
""".encode()


def csv_line(token: VendorToken, *, hex_secret: bool = False) -> str:
    secret = token.seed.hex() if hex_secret else token.base32
    algorithm = token.digest.upper()
    return f"{token.serial},{secret},{token.digits},{token.period},{algorithm}"


def otpauth_line(token: VendorToken, *, serial_in_label: bool = False) -> str:
    label = f"Acme:{token.serial}" if serial_in_label else "Acme:token"
    serial = "" if serial_in_label else f"&serial={token.serial}"
    return (
        f"otpauth://totp/{label}?secret={token.base32}&issuer=Acme&digits={token.digits}&period={token.period}"
        f"&algorithm={token.digest.upper()}{serial}"
    )


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE KeyContainer [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage><DeviceInfo><SerialNo>&g;</SerialNo></DeviceInfo></KeyPackage>
</KeyContainer>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE KeyContainer [<!ENTITY leak SYSTEM "file:///etc/hostname">]>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage><DeviceInfo><SerialNo>&leak;</SerialNo></DeviceInfo></KeyPackage>
</KeyContainer>
"""
