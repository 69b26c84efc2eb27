"""The server's side of the checkpoints (audit/checkpoints.py): every so often, and when it stops, each chain whose
head moved is checkpointed to the file in the data directory and to the log.

No web framework is imported here: the lifespan below is the plain async context manager Starlette (and any ASGI
lifespan) accepts. Several server processes may write the same file; each writes whole lines with O_APPEND.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from twostep.audit.checkpoints import Checkpoint, append_checkpoints, checkpoint_of
from twostep.audit.head_signature import ChainHead, HeadSigner
from twostep.clock import Clock

log = logging.getLogger("twostep.audit.checkpoints")


class CheckpointWriter:
    def __init__(self, path: Path, heads: Callable[[], list[ChainHead]], signer: HeadSigner, clock: Clock) -> None:
        self.path = path
        self._heads = heads
        self._signer = signer
        self._clock = clock
        self._written: dict[str, tuple[int, str]] = {}  # what this process last checkpointed, per chain
        self._lock = threading.Lock()  # the shutdown write may overlap a cancelled periodic one

    def write(self) -> list[Checkpoint]:
        """Checkpoint every chain whose head changed since this process last did; returns what was written."""
        with self._lock:
            return self._write()

    def _write(self) -> list[Checkpoint]:
        now = self._clock.now()
        written = []
        for head in self._heads():
            last = self._written.get(head.chain)
            if last == (head.seq, head.hash):
                continue
            if last is not None and head.seq < last[0]:
                # Never checkpoint a chain going backwards: the earlier checkpoint stands, and verify reports it.
                log.error("audit chain %s went back from event %d to %d (rolled back?)", head.chain, last[0], head.seq)
                continue
            why = self._signer.check(head)
            if why is not None:
                log.error("audit chain %s not checkpointed: %s (run `twostep audit verify`)", head.chain, why)
                continue
            written.append(checkpoint_of(head, self._signer, now))
        append_checkpoints(self.path, written)
        for checkpoint in written:
            self._written[checkpoint.chain] = (checkpoint.seq, checkpoint.hash)
            log.info("audit checkpoint %s", checkpoint.line())
        return written


def _log_to_stderr() -> None:
    """The checkpoints go to the server's log (standard error) even when nothing else configured logging."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


async def _write_forever(writer: CheckpointWriter, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(writer.write)  # the database and the file block: off the event loop
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end checkpoints for the server's lifetime
            log.exception("audit checkpoint failed; trying again")


def checkpoint_lifespan(
    writer: CheckpointWriter, interval: float
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        _log_to_stderr()
        task = asyncio.create_task(_write_forever(writer, interval), name="twostep-audit-checkpoints")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            try:
                await asyncio.to_thread(writer.write)  # and once more as the server stops
            except Exception:
                log.exception("audit checkpoint at shutdown failed")

    return lifespan
