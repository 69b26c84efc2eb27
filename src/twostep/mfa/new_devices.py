"""A new virtual MFA device (authenticator app): its name and path checked as AWS checks them, a fresh seed (S7),
sealed with the key ring before it reaches a row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.models import Tag
from twostep.identity.principal import Principal
from twostep.identity.tags import checked_tags
from twostep.mfa.errors import InvalidDeviceName
from twostep.mfa.models import MfaDevice, device_serial, seed_associated_data
from twostep.otp import generate_seed

# AWS VirtualMFADeviceName: [\w+=,.@-]+ ; the serial (ARN) must stay within 256 characters.
DEVICE_NAME = re.compile(r"[\w+=,.@-]{1,226}", re.ASCII)
DEVICE_PATH = re.compile(r"/|/[\x21-\x7e]*/")


@dataclass(frozen=True)
class NewDevice:
    device: MfaDevice
    seed: bytes  # handed out once, for the QR code and the secret key


def new_virtual_device(
    keyring: KeyRing, now: float, account_id: str, name: str, actor: Principal, path: str, tags: tuple[Tag, ...]
) -> NewDevice:
    if not DEVICE_NAME.fullmatch(name):
        raise InvalidDeviceName("Device names use 1 to 226 letters, digits and + = , . @ _ - characters.")
    if not DEVICE_PATH.fullmatch(path) or len(path) > 512:
        raise InvalidDeviceName("A path begins and ends with '/' and holds printable ASCII characters.")
    tags = checked_tags(tags)
    device_id = aws_ids.new_device_id()
    seed = generate_seed()  # S7: fresh for every device, never reused
    device = MfaDevice(
        id=device_id,
        account_id=account_id,
        path=path,
        name=name,
        serial=device_serial(account_id, path, name),
        seed=keyring.seal(seed, seed_associated_data(device_id)),
        created_at=now,
        created_by=actor.entity_id,
        tags=tags,
    )
    return NewDevice(device, seed)
