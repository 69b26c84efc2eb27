"""One problem found in the audit log, as `twostep audit verify` reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int | None  # the event (or head position) where the chain breaks; None for a chain with nothing at all
    kind: str  # edited | relinked | missing | unexpected | head | signature | no-head | no-chain |
    # rolled-back | checkpoint (audit/rollback.py)
    message: str

    def as_json(self) -> dict[str, object]:
        return {"chain": self.chain, "seq": self.seq, "kind": self.kind, "message": self.message}
