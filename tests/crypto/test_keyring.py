"""S20 at the source: AES-256-GCM with a key id on every sealed value and the record's id as associated data, so a
seed copied onto another device's row (or a database edited by hand) does not open; the key lives in a 0600 file
outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.crypto.keyring import KeyRing, KeyRingError, Sealed
from twostep.mfa.models import seed_associated_data
from twostep.mfa.verifier import AttemptContext
from twostep.store.tables import mfa_devices


def test_sealed_values_name_their_key_and_bind_their_record(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    sealed = ring.seal(b"twenty bytes of seed", seed_associated_data("MFADONE"))
    assert sealed.key_id == ring.active_key_id
    assert b"twenty bytes of seed" not in sealed.blob and len(sealed.blob) == 12 + 20 + 16  # nonce, text, GCM tag
    assert ring.open(sealed, seed_associated_data("MFADONE")) == b"twenty bytes of seed"
    with pytest.raises(KeyRingError):  # another record's associated data
        ring.open(sealed, seed_associated_data("MFADTWO"))
    with pytest.raises(KeyRingError):  # one flipped bit
        ring.open(
            Sealed(sealed.key_id, sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1])), seed_associated_data("MFADONE")
        )
    with pytest.raises(KeyRingError):  # another key ring
        KeyRing.generate().open(sealed, seed_associated_data("MFADONE"))
    assert ring.seal(b"same", b"ad").blob != ring.seal(b"same", b"ad").blob  # a fresh nonce every time
    ring.save(tmp_path / "keys.json")
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


def test_a_seed_moved_to_another_device_does_not_open(services: Services, clock: FrozenClock) -> None:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    mine = services.mfa.create_virtual_device(root.account_id, "mine", actor=root)
    theirs = services.mfa.create_virtual_device(root.account_id, "theirs", actor=root)
    now = clock.now()
    services.mfa.enable(root, mine.device.serial, code_at(mine.seed, now - 30), code_at(mine.seed, now), actor=root)
    with services.database.engine.begin() as c:  # someone with write access copies a known seed onto another row
        blob = c.execute(sa.select(mfa_devices.c.seed_blob).where(mfa_devices.c.id == mine.device.id)).scalar_one()
        c.execute(mfa_devices.update().where(mfa_devices.c.id == theirs.device.id).values(seed_blob=blob))
    device = services.mfa.device(root.account_id, theirs.device.serial)
    with pytest.raises(KeyRingError), services.uow() as uow:
        services.verifier.verify(uow, device, code_at(mine.seed, now + 30), AttemptContext("test"))
