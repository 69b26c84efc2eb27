"""The account's pool of hardware TOTP tokens: import a vendor's seed file, list the pool, remove a token.

Assigning, using, resyncing and deactivating a token are the MFA service's (a token is an MFA device of kind
HARDWARE): EnableMFADevice with the token's serial, and every code through the one CodeVerifier.

An import is all or nothing: every entry is checked (format, seed length, serials and seeds unique in the file and
in the installation) before anything is written; then the tokens are written in batches, one short transaction
each with its audit event, so that servers keep serving during a large import. A batch that meets a token another
import installed meanwhile undoes this import's batches and raises ImportConflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.models import User
from twostep.mfa.models import DeviceKind, MfaDevice, seed_associated_data
from twostep.tokens.errors import ImportConflict, NoSuchToken, SeedFileRejected, TokenAssigned
from twostep.tokens.fingerprint import SeedFingerprints
from twostep.tokens.models import ImportResult, PoolToken, Rejected, SeedEntry, TokenSeed
from twostep.tokens.ports import NewToken, TokenUnitOfWork
from twostep.unit_of_work import UnitOfWorkFactory

BATCH_SIZE = 1000
LOOKUP_CHUNK = 500

Progress = Callable[[int, int], None]


class TokenService:
    def __init__(
        self, uow: UnitOfWorkFactory[TokenUnitOfWork], clock: Clock, keyring: KeyRing, batch_size: int = BATCH_SIZE
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self._fingerprints = SeedFingerprints(keyring)
        self._batch_size = batch_size

    # -- import -------------------------------------------------------------------------------------------------

    def import_tokens(
        self,
        account_id: str,
        entries: Sequence[SeedEntry],
        *,
        actor: User,
        skip_invalid: bool = False,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Install the file's tokens in the account's pool, unassigned. Raises SeedFileRejected (nothing written)
        when an entry is invalid, unless skip_invalid: then the good ones are imported and the rest reported."""
        self.refresh_digests()
        key_id = self._fingerprints.active_key_id()
        digests = {id(e): self._fingerprints.digest(e.seed, key_id) for e in entries if isinstance(e, TokenSeed)}
        problems = self._problems(entries, digests)
        rejected = tuple(
            e if isinstance(e, Rejected) else Rejected(e.where, e.serial, problems[id(e)])
            for e in entries
            if isinstance(e, Rejected) or id(e) in problems
        )
        if rejected and not skip_invalid:
            raise SeedFileRejected(rejected)
        good = [e for e in entries if isinstance(e, TokenSeed) and id(e) not in problems]
        written: list[str] = []
        try:
            for start in range(0, len(good), self._batch_size):
                batch = good[start : start + self._batch_size]
                written.extend(self._write(account_id, batch, digests, key_id, actor))
                if progress is not None:
                    progress(len(written), len(good))
        except ImportConflict:
            self._undo(account_id, written, actor)
            raise
        return ImportResult(len(written), rejected)

    def _problems(self, entries: Sequence[SeedEntry], digests: dict[int, str]) -> dict[int, str]:
        """Why each good-looking entry cannot be imported after all: duplicates in the file or the installation."""
        tokens = [e for e in entries if isinstance(e, TokenSeed)]
        by_serial: dict[str, list[TokenSeed]] = defaultdict(list)
        by_seed: dict[str, list[TokenSeed]] = defaultdict(list)
        for token in tokens:
            by_serial[token.serial].append(token)
            by_seed[digests[id(token)]].append(token)
        installed_serials: set[str] = set()
        installed_digests: set[str] = set()
        with self._uow(readonly=True) as uow:
            serials, seeds = list(by_serial), list(by_seed)
            for start in range(0, max(len(serials), len(seeds)), LOOKUP_CHUNK):
                installed_serials |= uow.tokens.installed_serials(serials[start : start + LOOKUP_CHUNK])
                installed_digests |= uow.tokens.installed_digests(seeds[start : start + LOOKUP_CHUNK])
        problems: dict[int, str] = {}
        for token in tokens:
            twins = by_serial[token.serial]
            same_seed = by_seed[digests[id(token)]]
            if token.serial in installed_serials:
                problems[id(token)] = "the serial number is already installed"
            elif len(twins) > 1:
                problems[id(token)] = "the serial number is in the file more than once: " + _places(twins)
            elif digests[id(token)] in installed_digests:
                problems[id(token)] = "the seed is already installed for another token"
            elif len(same_seed) > 1:
                problems[id(token)] = "the same seed is in the file more than once: " + _places(same_seed)
        return problems

    def _write(
        self, account_id: str, batch: list[TokenSeed], digests: dict[int, str], key_id: str, actor: User
    ) -> list[str]:
        now = self._clock.now()
        tokens = [NewToken(self._device(account_id, token, now), key_id, digests[id(token)]) for token in batch]
        with self._uow() as uow:
            uow.tokens.add_many(tokens, now)
            details = {"count": len(batch), "serialNumbers": [token.serial for token in batch]}
            uow.audit.append(AuditEvent("ImportHardwareTokens", account_id, now, actor=actor.arn, details=details))
            uow.commit()
        return [token.device.id for token in tokens]

    def _device(self, account_id: str, token: TokenSeed, now: float) -> MfaDevice:
        device_id = aws_ids.new_device_id()
        return MfaDevice(
            id=device_id,
            account_id=account_id,
            path="/",
            name=token.serial,
            serial=token.serial,
            seed=self._keyring.seal(token.seed, seed_associated_data(device_id)),  # exactly as a virtual device's
            created_at=now,
            created_by=None,
            kind=DeviceKind.HARDWARE,
            params=token.params,
        )

    def _undo(self, account_id: str, device_ids: list[str], actor: User) -> None:
        for start in range(0, len(device_ids), self._batch_size):
            batch = device_ids[start : start + self._batch_size]
            now = self._clock.now()
            with self._uow() as uow:
                removed = sum(uow.tokens.delete_unassigned(device_id) for device_id in batch)
                details = {"count": removed}
                uow.audit.append(
                    AuditEvent("UndoImportHardwareTokens", account_id, now, actor=actor.arn, details=details)
                )
                uow.commit()

    def refresh_digests(self) -> int:
        """Recompute, under the active key, the seed digests made under an older one (after a key rotation)."""
        key_id = self._fingerprints.active_key_id()
        done, after = 0, ""
        while True:
            with self._uow() as uow:
                stale = uow.tokens.stale_digests(key_id, after, self._batch_size)
                for token in stale:
                    seed = self._keyring.open(token.seed, seed_associated_data(token.device_id))
                    uow.tokens.set_digest(token.device_id, key_id, self._fingerprints.digest(seed, key_id))
                uow.commit()
            if not stale:
                return done
            done += len(stale)
            after = stale[-1].device_id

    # -- the pool -----------------------------------------------------------------------------------------------

    def pool(self, account_id: str) -> list[PoolToken]:
        with self._uow(readonly=True) as uow:
            installed = uow.tokens.pool(account_id)
            owners = uow.users.by_ids({t.device.user_id for t in installed if t.device.user_id is not None})
        return [
            PoolToken(
                serial=t.device.serial,
                user_name=owners[t.device.user_id].name if t.device.user_id in owners else None,
                last_used_at=_last_used(t.device),
                params=t.device.params,
                imported_at=t.imported_at,
            )
            for t in installed
        ]

    def remove(self, account_id: str, serial: str, *, actor: User) -> None:
        """Take an unassigned token out of the pool for good (its seed with it)."""
        now = self._clock.now()
        with self._uow() as uow:
            device = uow.devices.by_serial(account_id, serial)
            if device is None or device.kind is not DeviceKind.HARDWARE:
                raise NoSuchToken(serial)
            if not uow.tokens.delete_unassigned(device.id):
                raise TokenAssigned(serial)
            details = {"serialNumber": serial}
            uow.audit.append(AuditEvent("RemoveHardwareToken", account_id, now, actor=actor.arn, details=details))
            uow.commit()


def _places(tokens: list[TokenSeed]) -> str:
    return ", ".join(token.where for token in tokens)


def _last_used(device: MfaDevice) -> float | None:
    """When, by the server's clock, the last accepted code's time step began (enabling the token counts)."""
    if device.last_used_step < 0:
        return None
    return float((device.last_used_step - device.drift) * device.params.period)
