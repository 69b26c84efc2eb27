"""Comparing the audit chains with their checkpoints (audit/checkpoints.py): what `audit verify` calls a rollback.

A chain only grows. So a chain is rolled back when its head (or its last event, if the head row is gone too) is
behind a checkpoint of it, or when the event at a checkpoint's sequence number has another hash than the one
checkpointed: the chain was cut back and written again. Lines of the file that are not checkpoints, or whose
signature does not hold, are reported as problems of their own and otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from twostep.audit.checkpoints import Checkpoint
from twostep.audit.head_signature import HeadSigner
from twostep.audit.problems import ChainProblem

ROLLED_BACK = "rolled-back"


@dataclass
class CheckpointIndex:
    """Every trustworthy checkpoint, by chain and sequence number."""

    by_chain: dict[str, dict[int, Checkpoint]] = field(default_factory=dict)
    problems: list[ChainProblem] = field(default_factory=list)
    lines: int = 0

    @classmethod
    def build(cls, lines: Iterable[tuple[int, Checkpoint | None]], signer: HeadSigner, name: str) -> CheckpointIndex:
        index = cls()
        for number, checkpoint in lines:
            index.lines += 1
            if checkpoint is None:
                index.problems.append(
                    ChainProblem("checkpoints", None, "checkpoint", f"{name} line {number} is not a checkpoint")
                )
                continue
            why = checkpoint.check(signer)
            if why is not None:
                index.problems.append(
                    ChainProblem(checkpoint.chain, checkpoint.seq, "checkpoint", f"{name} line {number}: {why}")
                )
                continue
            seen = index.by_chain.setdefault(checkpoint.chain, {})
            earlier = seen.setdefault(checkpoint.seq, checkpoint)
            if earlier.hash != checkpoint.hash:
                index.problems.append(
                    ChainProblem(
                        checkpoint.chain,
                        checkpoint.seq,
                        ROLLED_BACK,
                        f"two checkpoints of event {checkpoint.seq} name different hashes (rolled back and rewritten)",
                    )
                )
        return index

    @property
    def chains(self) -> int:
        return len(self.by_chain)

    def check_event(self, chain: str, seq: int, digest: str) -> ChainProblem | None:
        checkpoint = self.by_chain.get(chain, {}).get(seq)
        if checkpoint is None or checkpoint.hash == digest:
            return None
        return ChainProblem(
            chain, seq, ROLLED_BACK, f"event {seq} is not the one checkpointed at {checkpoint.time} (rewritten?)"
        )

    def check_end(self, chain: str, last_seq: int) -> ChainProblem | None:
        """The chain ends (its head, else its last event) at last_seq: a checkpoint further on means a rollback."""
        checkpoints = self.by_chain.get(chain)
        if not checkpoints:
            return None
        latest = checkpoints[max(checkpoints)]
        if latest.seq <= last_seq:
            return None
        return ChainProblem(
            chain,
            last_seq,
            ROLLED_BACK,
            f"the chain ends at event {last_seq} but was checkpointed at event {latest.seq} on {latest.time} "
            "(rolled back?)",
        )
