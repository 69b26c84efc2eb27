"""The pool of hardware tokens on a real store (SQLite and PostgreSQL) with a frozen clock: import all or nothing,
duplicates, and a token's life through the MFA service and the one verifier (assign, use, drift, deactivate)."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from tests.tokens.vendor_files import VendorToken, pskc_file
from twostep import bootstrap
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import CodeRejected, DeviceInUse, NoSuchDevice, RejectionReason
from twostep.mfa.models import DeviceKind
from twostep.mfa.verifier import AttemptContext
from twostep.store.key_rotation import KeyRotation
from twostep.store.tables import hardware_tokens, mfa_devices
from twostep.tokens.errors import ImportConflict, NoSuchToken, SeedFileRejected, TokenAssigned
from twostep.tokens.models import Rejected, SeedEntry
from twostep.tokens.pskc_file import PskcUnlock
from twostep.tokens.seed_files import read_seed_file
from twostep.tokens.service import TokenService

PLAIN = VendorToken("GAHT10000001")
SHA256_8 = VendorToken("GAHT10000002", digits=8, suite="HMAC-SHA256")
MINUTE = VendorToken("GAHT10000003", period=60)


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", "correct horse battery")[1]


def user(services: Services, root: User, name: str) -> User:
    return services.identity.create_user(root.account_id, name, actor=root)


def entries(*tokens: VendorToken) -> list[SeedEntry]:
    return read_seed_file(pskc_file(list(tokens), key=b"k" * 16), unlock=PskcUnlock(key=b"k" * 16))


def code(token: VendorToken, at: float) -> str:
    return pyotp.TOTP(token.base32, digits=token.digits, interval=token.period, digest=token.digest).at(int(at))


def pair(token: VendorToken, at: float) -> tuple[str, str]:
    """Two consecutive codes, the second of the step `at` falls in."""
    return code(token, at - token.period), code(token, at)


def sign_in(services: Services, owner: User, token: VendorToken, typed: str) -> None:
    """A sign-in's code check, as console sign-in and STS make it: the one verifier, the device's narrow window."""
    device = next(d for d in services.mfa.devices_of(owner) if d.serial == token.serial)
    with services.uow() as uow:
        services.verifier.verify(uow, device, typed, AttemptContext("ConsoleLogin", owner.arn))
        uow.commit()


def test_imported_tokens_wait_unassigned_with_sealed_seeds(services: Services, root: User) -> None:
    result = services.tokens.import_tokens(root.account_id, entries(PLAIN, SHA256_8, MINUTE), actor=root)
    assert result.as_json() == {"imported": 3, "skipped": []}
    pool = services.tokens.pool(root.account_id)
    assert [(t.serial, t.user_name, t.last_used_at) for t in pool] == [
        (PLAIN.serial, None, None),
        (SHA256_8.serial, None, None),
        (MINUTE.serial, None, None),
    ]
    device = services.mfa.device(root.account_id, SHA256_8.serial)
    assert device.kind is DeviceKind.HARDWARE and (device.params.digits, device.params.algorithm) == (8, "SHA256")
    assert services.keyring.open(device.seed, device.seed_associated_data) == SHA256_8.seed
    with services.database.engine.connect() as c:
        stored = [
            bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
            for row in c.execute(sa.select(mfa_devices, hardware_tokens).join(hardware_tokens))
            for v in row
            if v is not None
        ]
    for token in (PLAIN, SHA256_8, MINUTE):
        for form in (token.seed, token.seed.hex().encode(), token.base32.encode(), token.seed_b64.encode()):
            assert not any(form in value for value in stored)


def test_an_invalid_entry_rejects_the_whole_file_unless_skipped(services: Services, root: User) -> None:
    short = VendorToken("GAHT10000004", seed=b"s" * 15)
    with pytest.raises(SeedFileRejected) as rejected:
        services.tokens.import_tokens(root.account_id, entries(PLAIN, short, MINUTE), actor=root)
    assert rejected.value.rejected == (
        Rejected("KeyPackage 2", short.serial, "the seed has 120 bits; at least 128 are needed"),
    )
    assert services.tokens.pool(root.account_id) == []
    result = services.tokens.import_tokens(
        root.account_id, entries(PLAIN, short, MINUTE), actor=root, skip_invalid=True
    )
    assert result.imported == 2 and [r.serial for r in result.skipped] == [short.serial]
    assert [t.serial for t in services.tokens.pool(root.account_id)] == [PLAIN.serial, MINUTE.serial]


def test_duplicate_serials_and_seeds_in_the_file_and_the_installation(services: Services, root: User) -> None:
    other_root = services.identity.create_account("other@example.com", "correct horse battery")[1]
    services.tokens.import_tokens(other_root.account_id, entries(PLAIN), actor=other_root)
    same_serial = VendorToken(MINUTE.serial)
    copied_seed = VendorToken("GAHT10000005", seed=SHA256_8.seed)
    installed_seed = VendorToken("GAHT10000006", seed=PLAIN.seed)  # in another account: one token, one owner
    with pytest.raises(SeedFileRejected) as rejected:
        services.tokens.import_tokens(
            root.account_id,
            entries(PLAIN, SHA256_8, MINUTE, same_serial, copied_seed, installed_seed),
            actor=root,
        )
    assert [(r.where, r.serial, r.reason) for r in rejected.value.rejected] == [
        ("KeyPackage 1", PLAIN.serial, "the serial number is already installed"),
        ("KeyPackage 2", SHA256_8.serial, "the same seed is in the file more than once: KeyPackage 2, KeyPackage 5"),
        ("KeyPackage 3", MINUTE.serial, "the serial number is in the file more than once: KeyPackage 3, KeyPackage 4"),
        ("KeyPackage 4", MINUTE.serial, "the serial number is in the file more than once: KeyPackage 3, KeyPackage 4"),
        ("KeyPackage 5", copied_seed.serial, "the same seed is in the file more than once: KeyPackage 2, KeyPackage 5"),
        ("KeyPackage 6", installed_seed.serial, "the seed is already installed for another token"),
    ]
    assert services.tokens.pool(root.account_id) == []


def test_assign_use_deactivate_and_reassign(services: Services, clock: FrozenClock, root: User) -> None:
    services.tokens.import_tokens(root.account_id, entries(PLAIN, SHA256_8, MINUTE), actor=root)
    alice, bob = user(services, root, "alice"), user(services, root, "bob")
    for token in (SHA256_8, MINUTE):
        now = clock.now()
        services.mfa.enable(alice, token.serial, *pair(token, now), actor=alice)
        clock.advance(token.period)
        sign_in(services, alice, token, code(token, clock.now()))
    assert [(t.serial, t.user_name) for t in services.tokens.pool(root.account_id)] == [
        (PLAIN.serial, None),
        (SHA256_8.serial, "alice"),
        (MINUTE.serial, "alice"),
    ]
    with pytest.raises(DeviceInUse):  # one token, one user at a time
        services.mfa.enable(bob, SHA256_8.serial, *pair(SHA256_8, clock.now()), actor=bob)
    with pytest.raises(CodeRejected) as malformed:  # an 8-digit token's code has 8 digits
        sign_in(services, alice, SHA256_8, code(SHA256_8, clock.now())[2:])
    assert malformed.value.reason is RejectionReason.MALFORMED

    spent = clock.now()
    services.mfa.deactivate(alice, MINUTE.serial, actor=root)
    token = services.tokens.pool(root.account_id)[2]
    assert (token.serial, token.user_name, token.last_used_at) == (MINUTE.serial, None, spent // 60 * 60)
    with pytest.raises(CodeRejected) as replayed:  # its used steps stay used, for its next owner too
        services.mfa.enable(bob, MINUTE.serial, *pair(MINUTE, spent), actor=bob)
    assert replayed.value.reason is RejectionReason.REPLAYED
    clock.advance(120)
    services.mfa.enable(bob, MINUTE.serial, *pair(MINUTE, clock.now()), actor=bob)
    assert [d.serial for d in services.mfa.devices_of(bob)] == [MINUTE.serial]


def test_a_token_of_another_account_is_no_such_entity(services: Services, clock: FrozenClock, root: User) -> None:
    other_root = services.identity.create_account("other@example.com", "correct horse battery")[1]
    services.tokens.import_tokens(other_root.account_id, entries(PLAIN), actor=other_root)
    with pytest.raises(NoSuchDevice):
        services.mfa.enable(root, PLAIN.serial, *pair(PLAIN, clock.now()), actor=root)
    with pytest.raises(NoSuchToken):
        services.tokens.remove(root.account_id, PLAIN.serial, actor=root)


@pytest.mark.parametrize("token", [PLAIN, MINUTE], ids=["30s", "60s"])
def test_a_token_five_minutes_fast_is_refused_resynced_then_accepted(
    services: Services, clock: FrozenClock, root: User, token: VendorToken
) -> None:
    services.tokens.import_tokens(root.account_id, entries(token), actor=root)
    alice = user(services, root, "alice")
    services.mfa.enable(alice, token.serial, *pair(token, clock.now()), actor=alice)
    clock.advance(3600)
    fast = clock.now() + 300  # what the token's clock says
    with pytest.raises(CodeRejected):
        sign_in(services, alice, token, code(token, fast))
    clock.advance(2)  # past the delay the failure earned
    fast = clock.now() + 300
    services.mfa.resync(alice, token.serial, *pair(token, fast), actor=alice)
    assert services.mfa.device(root.account_id, token.serial).drift == 300 // token.period
    clock.advance(token.period)
    sign_in(services, alice, token, code(token, clock.now() + 300))
    clock.advance(token.period)
    with pytest.raises(CodeRejected):  # the window stays narrow around the stored offset
        sign_in(services, alice, token, code(token, clock.now()))


def test_resync_searches_ten_minutes_either_way(services: Services, clock: FrozenClock, root: User) -> None:
    services.tokens.import_tokens(root.account_id, entries(PLAIN), actor=root)
    alice = user(services, root, "alice")
    services.mfa.enable(alice, PLAIN.serial, *pair(PLAIN, clock.now()), actor=alice)
    clock.advance(3600)
    services.mfa.resync(alice, PLAIN.serial, *pair(PLAIN, clock.now() - 590), actor=alice)
    assert services.mfa.device(root.account_id, PLAIN.serial).drift == -20
    clock.advance(3600)
    with pytest.raises(CodeRejected):
        services.mfa.resync(alice, PLAIN.serial, *pair(PLAIN, clock.now() + 660), actor=alice)


def test_tokens_are_not_virtual_devices(services: Services, clock: FrozenClock, root: User) -> None:
    services.tokens.import_tokens(root.account_id, entries(PLAIN, MINUTE), actor=root)
    assert services.mfa.devices_with_owners(root.account_id) == []
    assert services.mfa.devices_with_owners_page(root.account_id, None, None, 10) == []
    with pytest.raises(NoSuchDevice):  # DeleteVirtualMFADevice
        services.mfa.delete(root.account_id, PLAIN.serial, actor=root)
    services.mfa.enable(root, PLAIN.serial, *pair(PLAIN, clock.now()), actor=root)
    clock.advance(30)
    # The console's "remove" deactivates a token and leaves it in the pool (a virtual device is deleted).
    services.mfa.remove(root, PLAIN.serial, actor=root, code=code(PLAIN, clock.now()))
    assert [(t.serial, t.user_name) for t in services.tokens.pool(root.account_id)] == [
        (PLAIN.serial, None),
        (MINUTE.serial, None),
    ]


def test_remove_only_while_unassigned(services: Services, clock: FrozenClock, root: User) -> None:
    services.tokens.import_tokens(root.account_id, entries(PLAIN, MINUTE), actor=root)
    services.mfa.enable(root, MINUTE.serial, *pair(MINUTE, clock.now()), actor=root)
    with pytest.raises(TokenAssigned):
        services.tokens.remove(root.account_id, MINUTE.serial, actor=root)
    services.tokens.remove(root.account_id, PLAIN.serial, actor=root)
    with pytest.raises(NoSuchToken):
        services.tokens.remove(root.account_id, PLAIN.serial, actor=root)
    virtual = services.mfa.create_virtual_device(root.account_id, "phone", actor=root)
    with pytest.raises(NoSuchToken):
        services.tokens.remove(root.account_id, virtual.device.serial, actor=root)
    assert [t.serial for t in services.tokens.pool(root.account_id)] == [MINUTE.serial]
    # A removed token's seed may be imported again (a new serial for the same fob, say).
    services.tokens.import_tokens(root.account_id, entries(VendorToken("GAHT10000009", seed=PLAIN.seed)), actor=root)


def test_batches_commit_with_their_audit_events(services: Services, root: User) -> None:
    batched = TokenService(services.uow, services.clock, services.keyring, batch_size=2)
    seen: list[tuple[int, int]] = []
    tokens = [VendorToken(f"GAHT2000000{i}") for i in range(5)]
    batched.import_tokens(root.account_id, entries(*tokens), actor=root, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    with services.uow(readonly=True) as uow:
        events = [e.event for e in uow.audit.events(root.account_id) if e.event.event_name == "ImportHardwareTokens"]
    assert [e.details["serialNumbers"] for e in events] == [
        [tokens[0].serial, tokens[1].serial],
        [tokens[2].serial, tokens[3].serial],
        [tokens[4].serial],
    ]
    assert all(e.actor == root.arn for e in events)


def test_a_concurrent_import_of_the_same_token_undoes_this_one(services: Services, root: User) -> None:
    batched = TokenService(services.uow, services.clock, services.keyring, batch_size=1)
    tokens = [VendorToken("GAHT30000001"), VendorToken("GAHT30000002"), VendorToken("GAHT30000003")]

    def meanwhile(done: int, _total: int) -> None:
        if done == 1:  # another operator imports the second token between this import's batches
            services.tokens.import_tokens(root.account_id, entries(tokens[1]), actor=root)

    with pytest.raises(ImportConflict):
        batched.import_tokens(root.account_id, entries(*tokens), actor=root, progress=meanwhile)
    assert [t.serial for t in services.tokens.pool(root.account_id)] == [tokens[1].serial]


def test_seed_digests_follow_a_key_rotation(services: Services, clock: FrozenClock, root: User) -> None:
    services.tokens.import_tokens(root.account_id, entries(PLAIN), actor=root)
    services.database.engine.dispose()
    KeyRotation(services.database.engine, services.settings.key_file, grace=0).run()
    rotated = bootstrap.build(services.settings, clock=clock)
    try:
        with pytest.raises(SeedFileRejected) as rejected:
            rotated.tokens.import_tokens(
                root.account_id, entries(VendorToken("GAHT10000010", seed=PLAIN.seed)), actor=root
            )
        assert rejected.value.rejected[0].reason == "the seed is already installed for another token"
        with rotated.database.engine.connect() as c:
            key_ids = set(c.execute(sa.select(hardware_tokens.c.digest_key_id)).scalars())
        assert key_ids == {rotated.keyring.active_key_id} != {services.keyring.active_key_id}
    finally:
        rotated.close()
