"""`twostep keys rotate`: re-encrypt every sealed secret under a new key, online (S20).

The order makes the command safe to interrupt and to run beside live servers:
1. A new key is added to the key file as the active one (an atomic write; the old keys stay). From then on every
   process seals new values under it: a key ring loaded from the file notices the replaced file the next time it
   seals, and reads the file again when it meets a key id it does not hold.
2. Rows whose key id is not the active one are re-sealed in small batches, one short transaction each, with a
   conditional UPDATE (key id and ciphertext unchanged) so a concurrent write is never overwritten.
3. The audit chains' head signatures are renewed under the new key, each only after its old signature (or, for
   an unsigned head, its whole chain) has been checked: rotation never launders a tampered head.
4. After a short grace period and a last sweep that finds nothing under an old key, the old keys are removed from
   the key file.
Running the command again after an interruption resumes at step 2: a key file whose newest key is the active one
and that still holds older keys means a rotation is under way.

Nodes with a copy of the key file each (rather than one shared file) cannot be seen from here, so they rotate in
three runs, copying the key file to every node after each (a node reloads a replaced file by itself):
`--stage` adds the key without making it active (every node can then open values sealed under it);
`--keep-old-keys` activates it and re-seals everything but keeps the old keys (nodes still sealing under the old
key until their copy arrives stay readable); a last plain run re-seals what they wrote meanwhile and removes the
old keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from twostep.audit.head_signature import ChainHead, HeadSigner
from twostep.audit.verification import verify_chains
from twostep.crypto.keyring import KeyRing, KeyRingError, Sealed, key_number
from twostep.store.audit_repository import chain_head, recorded_event
from twostep.store.sealed_columns import SEALED_COLUMNS, SealedColumn
from twostep.store.tables import audit_events, audit_heads

MAX_SWEEPS = 10  # servers that keep sealing under an old key (not following the key file) would loop forever


@dataclass(frozen=True)
class Progress:
    column: str
    done: int
    total: int


@dataclass
class RotationResult:
    active_key_id: str
    resumed: bool
    resealed: dict[str, int] = field(default_factory=dict)
    heads_resigned: int = 0
    removed_keys: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # rows that failed to open: they block removing old keys
    heads_refused: list[str] = field(default_factory=list)  # heads whose old signature or chain does not verify
    remaining: int = 0  # values still under an old key when the run gave up (sealed meanwhile by stale processes)

    @property
    def complete(self) -> bool:
        """Nothing is left under an old key (and, unless asked to keep them, the old keys are gone)."""
        return not self.unreadable and self.remaining == 0

    def as_json(self) -> dict[str, object]:
        return {
            "active_key_id": self.active_key_id,
            "resumed": self.resumed,
            "resealed": self.resealed,
            "heads_resigned": self.heads_resigned,
            "removed_keys": self.removed_keys,
            "unreadable": self.unreadable,
            "heads_refused": self.heads_refused,
            "remaining": self.remaining,
        }


class KeyRotation:
    def __init__(
        self,
        engine: sa.Engine,
        key_file: Path,
        *,
        batch_size: int = 100,
        pause: float = 0.0,
        grace: float = 2.0,
        progress: Callable[[Progress], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        keep_old_keys: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._engine = engine
        self._key_file = key_file
        self._batch_size = batch_size
        self._pause = pause
        self._grace = grace
        self._progress = progress or (lambda _p: None)
        self._sleep = sleep
        self._keep_old_keys = keep_old_keys

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as connection:
            connection.info["twostep_readonly"] = True  # SQLite: no write lock for a read
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.info["twostep_readonly"] = False

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as connection:
            connection.info["twostep_readonly"] = False
            with connection.begin():
                yield connection

    # -- step 1 -----------------------------------------------------------------------------------------------

    def stage(self) -> str:
        """Add a new key to the key file without making it active (for nodes that each hold a copy of the file:
        copy it everywhere first, so that every node can open values sealed under the key once it is active)."""
        ring = KeyRing.load(self._key_file)
        staged = self._staged(ring)
        if staged is not None:
            return staged
        if len(ring.key_ids) > 1:
            raise KeyRingError("a rotation is under way: finish it with `twostep keys rotate` before staging a key")
        added, key_id = ring.with_new_key(activate=False)
        added.save(self._key_file)
        return key_id

    @staticmethod
    def _staged(ring: KeyRing) -> str | None:
        newer = [k for k in ring.key_ids if key_number(k) > key_number(ring.active_key_id)]
        return max(newer, key=key_number) if newer else None

    def begin(self) -> tuple[KeyRing, bool]:
        """Make a new key (or the staged one) the active one in the key file, or find the rotation a previous run
        left unfinished (the active key is the newest and older ones remain): returns the ring and whether resumed."""
        ring = KeyRing.load(self._key_file)
        staged = self._staged(ring)
        if staged is not None:
            ring.activated(staged).save(self._key_file)
        elif len(ring.key_ids) > 1:
            return ring, True
        else:
            ring.with_new_key(activate=True)[0].save(self._key_file)
        return KeyRing.load(self._key_file), False

    # -- the whole run ----------------------------------------------------------------------------------------

    def run(self, begun: tuple[KeyRing, bool] | None = None) -> RotationResult:
        """Steps 1 to 4; pass what begin() returned if it was already called (to report progress in between)."""
        ring, resumed = begun or self.begin()
        result = RotationResult(ring.active_key_id, resumed, {c.name: 0 for c in SEALED_COLUMNS})
        unreadable: set[tuple[str, str]] = set()
        signer = HeadSigner(ring)
        clean_sweeps = 0
        for _ in range(MAX_SWEEPS):
            for column in SEALED_COLUMNS:
                result.resealed[column.name] += self._reseal_column(ring, column, unreadable)
            refused: set[str] = set()
            result.heads_resigned += self._resign_heads(signer, ring.active_key_id, refused)
            result.heads_refused = sorted(refused)
            if self._remaining(ring.active_key_id, unreadable) > 0:
                # Some process still seals under an old key (a node whose copy of the key file is not updated yet).
                clean_sweeps = 0
            else:
                clean_sweeps += 1
                if clean_sweeps == 2 or self._grace <= 0:
                    break
            # A process that sealed under the old key just before step 1 may still be committing: wait, sweep again.
            self._sleep(self._grace)
        result.unreadable = sorted(f"{name}:{row_id}" for name, row_id in unreadable)
        result.remaining = self._remaining(ring.active_key_id, unreadable)
        if result.remaining == 0 and not unreadable and not self._keep_old_keys:
            result.removed_keys = self._drop_old_keys()
        return result

    # -- step 2 -----------------------------------------------------------------------------------------------

    def _count(self, connection: sa.Connection, column: SealedColumn, active: str) -> int:
        key = column.table.c[column.key_column]
        return int(connection.execute(sa.select(sa.func.count()).where(key != active)).scalar_one())

    def _remaining(self, active: str, unreadable: set[tuple[str, str]]) -> int:
        with self._reading() as connection:
            total = sum(self._count(connection, column, active) for column in SEALED_COLUMNS)
        return total - len(unreadable)

    def _reseal_column(self, ring: KeyRing, column: SealedColumn, unreadable: set[tuple[str, str]]) -> int:
        table = column.table
        row_id, key, blob = table.c[column.id_column], table.c[column.key_column], table.c[column.blob_column]
        with self._reading() as connection:
            total = self._count(connection, column, ring.active_key_id)
        done, last_id = 0, ""
        while True:
            # One short transaction per batch, so servers keep serving between batches.
            with self._writing() as connection:
                rows = connection.execute(
                    sa.select(row_id, key, blob)
                    .where(key != ring.active_key_id, row_id > last_id)
                    .order_by(row_id)
                    .limit(self._batch_size)
                ).all()
                for found_id, found_key, found_blob in rows:
                    last_id = found_id
                    try:
                        plaintext = ring.open(Sealed(found_key, found_blob), column.associated_data(found_id))
                    except KeyRingError:
                        unreadable.add((column.name, found_id))
                        continue
                    resealed = ring.seal(plaintext, column.associated_data(found_id))
                    updated = connection.execute(
                        table.update()
                        .where(row_id == found_id, key == found_key, blob == found_blob)
                        .values({column.key_column: resealed.key_id, column.blob_column: resealed.blob})
                    )
                    done += updated.rowcount
            if not rows:
                return done
            self._progress(Progress(column.name, done, max(total, done)))
            if self._pause:
                self._sleep(self._pause)

    # -- step 3 -----------------------------------------------------------------------------------------------

    def _resign_heads(self, signer: HeadSigner, active: str, refused: set[str]) -> int:
        with self._reading() as connection:
            heads = [chain_head(r) for r in connection.execute(sa.select(audit_heads).order_by(audit_heads.c.chain))]
        renewed = 0
        for head in heads:
            if head.signature is not None and head.signature.key_id == active:
                continue
            if not self._trustworthy(signer, head):
                refused.add(head.chain)
                continue
            fresh = signer.sign(head.chain, head.seq, head.hash)
            h = audit_heads.c
            unchanged = [h.chain == head.chain, h.seq == head.seq, h.hash == head.hash]
            if head.signature is None:
                unchanged.append(h.mac.is_(None))
            else:
                unchanged.append(h.mac == head.signature.mac)
            with self._writing() as connection:
                updated = connection.execute(
                    audit_heads.update().where(*unchanged).values(key_id=fresh.key_id, mac=fresh.mac)
                )
            renewed += updated.rowcount
            if self._pause:
                self._sleep(self._pause)
        return renewed

    def _trustworthy(self, signer: HeadSigner, head: ChainHead) -> bool:
        if head.signature is not None:
            return signer.check(head) is None
        # Unsigned (written before revision 0003): sign it only if its whole chain holds together.
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(audit_events).where(audit_events.c.chain == head.chain).order_by(audit_events.c.seq)
            )
            report = verify_chains((recorded_event(r) for r in rows), [head], signer)
        return all(problem.kind == "signature" for problem in report.problems)

    # -- step 4 -----------------------------------------------------------------------------------------------

    def _drop_old_keys(self) -> list[str]:
        ring = KeyRing.load(self._key_file)
        old = [k for k in ring.key_ids if k != ring.active_key_id]
        for key_id in old:
            ring = ring.without(key_id)
        if old:
            ring.save(self._key_file)
        return old
