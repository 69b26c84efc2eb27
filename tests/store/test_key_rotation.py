"""S20: KeyRotation re-seals every secret under a new key, can be interrupted and resumed, and leaves nothing
under the old key, on SQLite and PostgreSQL. The services here load their key ring from the key file, as a server
does, so they follow the rotation while it runs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import code_at
from twostep import bootstrap
from twostep.audit.head_signature import HeadSigner
from twostep.audit.verification import verify_chains
from twostep.clock import FrozenClock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.mfa.verifier import AttemptContext
from twostep.settings import Settings
from twostep.store.audit_reader import audit_snapshot
from twostep.store.key_rotation import KeyRotation, Progress
from twostep.store.sealed_columns import SEALED_COLUMNS

DEVICES = 6


class Interrupted(Exception):
    pass


def stop_after(batches: int) -> object:
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if len(seen) >= batches:
            raise Interrupted()

    return progress


@dataclass
class World:
    services: bootstrap.Services
    settings: Settings
    root: User
    seeds: dict[str, bytes]  # device id -> seed
    secrets: dict[str, str]  # access key id -> secret
    session: tuple[str, str, str]  # temporary key id, secret, token
    recovery: tuple[User, list[str]]  # a user with a device, and the recovery codes it was given


@pytest.fixture
def world(settings: Settings, clock: FrozenClock, services: bootstrap.Services) -> Iterator[World]:
    following = bootstrap.build(settings, clock=clock)  # KeyRing.load(keys.json), like a server
    _, root = following.identity.create_account("owner@example.com", "correct horse battery")
    seeds = {}
    for n in range(DEVICES):
        new = following.mfa.create_virtual_device(root.account_id, f"device{n}", actor=root)
        seeds[new.device.id] = new.seed
    secrets = {}
    for name in ("alice", "bob"):
        user = following.identity.create_user(root.account_id, name, actor=root)
        key = following.identity.create_access_key(user, actor=root)
        secrets[key.key.id] = key.secret_access_key
    issued = following.sts.get_session_token(following.identity.user(root.account_id, "alice"))
    session = (issued.access_key_id, issued.secret_access_key, issued.session_token)
    carol = following.identity.create_user(root.account_id, "carol", actor=root)
    phone = following.mfa.create_virtual_device(root.account_id, "carol-phone", actor=root)
    now = clock.now()
    following.mfa.enable(
        carol, phone.device.serial, code_at(phone.seed, now - 30), code_at(phone.seed, now), actor=root
    )
    codes = list(following.recovery.issue_owed(carol))
    yield World(following, settings, root, seeds, secrets, session, (carol, codes))
    following.close()


def key_ids_in_use(services: bootstrap.Services) -> set[str]:
    found: set[str] = set()
    with services.database.engine.connect() as c:
        for column in SEALED_COLUMNS:
            found |= set(c.execute(sa.select(column.table.c[column.key_column]).distinct()).scalars())
    return found


def head_key_ids(services: bootstrap.Services) -> set[str | None]:
    with services.database.engine.connect() as c:
        return set(c.execute(sa.text("SELECT key_id FROM audit_heads")).scalars())


def assert_everything_opens(world: World) -> None:
    services, root = world.services, world.root
    for device_id, seed in world.seeds.items():
        assert services.mfa.enrolment_seed(root.account_id, device_id, root)[1] == seed
    for key_id, secret in world.secrets.items():
        resolved = services.identity.resolve_access_key(key_id)
        assert resolved is not None and resolved.secret_access_key == secret
    key_id, secret, token = world.session
    assert services.sts.resolve(key_id, token).secret_access_key == secret
    user, codes = world.recovery  # the recovery codes' hash key opens: a code still checks (and is spent)
    with services.uow() as uow:
        services.verifier.verify_recovery_code(uow, user, codes.pop(), AttemptContext("test"))
        uow.commit()


def audit_intact(world: World) -> bool:
    keyring = KeyRing.load(world.settings.key_file)
    with audit_snapshot(world.services.database.engine) as snapshot:
        report = verify_chains(snapshot.events(), snapshot.heads(), HeadSigner(keyring), snapshot.account_ids())
    return report.intact


def rotation(world: World, **options: object) -> KeyRotation:
    return KeyRotation(world.services.database.engine, world.settings.key_file, grace=0, **options)  # type: ignore[arg-type]


def test_rotate_everything(world: World) -> None:
    old = KeyRing.load(world.settings.key_file).active_key_id
    result = rotation(world).run()
    new = KeyRing.load(world.settings.key_file)
    assert new.key_ids == (result.active_key_id,) and result.active_key_id != old
    assert result.removed_keys == [old] and not result.resumed and result.complete
    assert result.resealed == {
        "mfa_devices.seed": DEVICES + 1,
        "access_keys.secret": 2,
        "temporary_credentials.secret": 1,
        "recovery_code_sets.hash_key": 1,
    }
    assert key_ids_in_use(world.services) == {new.active_key_id}
    assert head_key_ids(world.services) == {new.active_key_id}
    assert_everything_opens(world)  # the services followed the key file
    assert audit_intact(world)
    assert json.loads(world.settings.key_file.read_text())["active"] == new.active_key_id


def test_an_interrupted_rotation_resumes(world: World, clock: FrozenClock) -> None:
    old = KeyRing.load(world.settings.key_file).active_key_id
    with pytest.raises(Interrupted):
        rotation(world, batch_size=1, progress=stop_after(3)).run()
    halfway = KeyRing.load(world.settings.key_file)
    new = halfway.active_key_id
    assert set(halfway.key_ids) == {old, new}  # saved as active first; the old key stays until the end
    assert key_ids_in_use(world.services) == {old, new}
    assert_everything_opens(world)  # meanwhile, both old and new values open

    # What the servers write meanwhile is sealed under the new key.
    added = world.services.mfa.create_virtual_device(world.root.account_id, "during", actor=world.root)
    assert added.device.seed.key_id == new
    now = clock.now()
    world.services.mfa.enable(
        world.root, added.device.serial, code_at(added.seed, now - 30), code_at(added.seed, now), actor=world.root
    )

    result = rotation(world, batch_size=2).run()
    assert result.resumed and result.active_key_id == new and result.removed_keys == [old]
    assert KeyRing.load(world.settings.key_file).key_ids == (new,)
    assert key_ids_in_use(world.services) == {new}
    assert head_key_ids(world.services) == {new}
    assert_everything_opens(world)
    assert audit_intact(world)
    clock.advance(30)  # the enabled device still checks codes: its seed opens under the new key
    device = world.services.mfa.device(world.root.account_id, added.device.serial)
    with world.services.uow() as uow:
        world.services.verifier.verify(uow, device, code_at(added.seed, clock.now()), AttemptContext("test"))
        uow.commit()


def test_a_value_that_does_not_open_keeps_the_old_keys(world: World) -> None:
    old = KeyRing.load(world.settings.key_file).active_key_id
    with world.services.database.engine.begin() as c:
        c.execute(
            sa.text("UPDATE access_keys SET secret_blob = :b WHERE id = :i"),
            {"b": b"\0" * 40, "i": next(iter(world.secrets))},
        )
    result = rotation(world).run()
    assert not result.complete and len(result.unreadable) == 1 and result.removed_keys == []
    assert old in KeyRing.load(world.settings.key_file).key_ids


def test_a_tampered_head_is_not_re_signed(world: World) -> None:
    chain = world.root.account_id
    with world.services.database.engine.begin() as c:
        c.execute(sa.text("UPDATE audit_heads SET seq = seq - 1 WHERE chain = :c"), {"c": chain})
    result = rotation(world).run()
    assert result.heads_refused == [chain]
    assert not audit_intact(world)


def test_an_unsigned_head_of_an_intact_chain_is_signed(world: World) -> None:
    with world.services.database.engine.begin() as c:
        c.execute(sa.text("UPDATE audit_heads SET key_id = NULL, mac = NULL"))
    assert not audit_intact(world)
    result = rotation(world).run()
    assert result.heads_resigned == 1 and result.heads_refused == []
    assert audit_intact(world)


def test_rotating_twice(world: World) -> None:
    first = rotation(world).run()
    second = rotation(world).run()
    assert second.removed_keys == [first.active_key_id] and second.active_key_id.startswith("k3-")
    assert key_ids_in_use(world.services) == {second.active_key_id}
    assert_everything_opens(world)


def test_staged_rotation_across_nodes_with_their_own_key_files(
    world: World, clock: FrozenClock, tmp_path: Path
) -> None:
    """Node B has its own copy of keys.json and keeps writing. Stage, copy; rotate keeping the old keys, copy;
    rotate again: at no point does either node meet a value it cannot open, and nothing is left under the old key."""
    key_file = world.settings.key_file
    old = KeyRing.load(key_file).active_key_id
    node_b_settings = Settings(tmp_path / "node-b", database_url_override=world.settings.database_url)
    node_b_settings.data_dir.mkdir()
    shutil.copy(key_file, node_b_settings.key_file)
    node_b = bootstrap.build(node_b_settings, clock=clock)
    spares = iter(range(100))

    def node_b_writes(_seconds: float = 0) -> None:
        node_b.mfa.create_virtual_device(world.root.account_id, f"b{next(spares)}", actor=world.root)

    def both_nodes_open_everything() -> None:
        for node in (world.services, node_b):
            for device in node.mfa.devices_in_account(world.root.account_id, assigned=False):
                node.mfa.enrolment_seed(world.root.account_id, device.id, world.root)

    try:
        staged = rotation(world).stage()
        assert KeyRing.load(key_file).active_key_id == old and set(KeyRing.load(key_file).key_ids) == {old, staged}
        shutil.copy(key_file, node_b_settings.key_file)  # 1. the operator distributes the staged key

        kept = KeyRotation(
            world.services.database.engine, key_file, grace=0.01, sleep=node_b_writes, keep_old_keys=True
        ).run()
        assert kept.active_key_id == staged and not kept.resumed and kept.complete and kept.removed_keys == []
        node_b_writes()  # still under the old key: B has not got the new file yet
        both_nodes_open_everything()
        shutil.copy(key_file, node_b_settings.key_file)  # 2. now B seals under the new key
        node_b_writes()

        finished = rotation(world).run()
        assert finished.resumed and finished.complete and finished.removed_keys == [old]
        assert key_ids_in_use(world.services) == {staged}
        shutil.copy(key_file, node_b_settings.key_file)  # 3. the old key goes everywhere
        both_nodes_open_everything()
        assert KeyRing.load(node_b_settings.key_file).key_ids == (staged,)
    finally:
        node_b.close()
