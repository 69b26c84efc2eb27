"""Verifying every audit chain (S27): an edited, inserted, deleted or reordered event is found, at either end.

Each chain is walked from seq 1: the sequence numbers must run without a gap, each event's recorded prev_hash must
be the hash of the event before it (the genesis hash for the first), and the hash recomputed from the event's
content must be the one stored. The last event must be the one the chain's head row names, and the head's
signature (audit/head_signature.py, keyed outside the database) must hold, so that dropping the newest events and
rolling the head back, or recomputing a whole chain, is caught as well. A chain the caller expects (one per
account) that has no head at all is reported too.

With the checkpoints the server wrote outside the database (audit/checkpoints.py, audit/rollback.py), a chain cut
back to an older head that is still correctly signed is found as well, and reported as rolled back.

The walk keeps going after a problem, using the stored hash as the next link, so one tampered event is reported
once rather than poisoning every event after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from twostep.audit.events import GENESIS_HASH, RecordedEvent, chain_hash
from twostep.audit.head_signature import ChainHead, HeadSigner
from twostep.audit.problems import ChainProblem as ChainProblem  # re-exported: callers import it from here
from twostep.audit.rollback import ROLLED_BACK, CheckpointIndex

MAX_PROBLEMS = 1000  # a wholly rewritten log would otherwise produce one line per event


@dataclass
class VerificationReport:
    chains: int = 0
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    truncated: bool = False  # more problems than MAX_PROBLEMS were found

    checkpoints: int = 0  # chains with a checkpoint to compare with

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """intact, rolled-back (a chain is behind or differs from its checkpoint) or broken (anything else)."""
        if any(problem.kind == ROLLED_BACK for problem in self.problems):
            return ROLLED_BACK
        return "broken" if self.problems else "intact"

    def add(self, problem: ChainProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.truncated = True

    def as_json(self) -> dict[str, object]:
        return {
            "intact": self.intact,
            "status": self.status,
            "chains": self.chains,
            "events": self.events,
            "checkpointed_chains": self.checkpoints,
            "problems": [p.as_json() for p in self.problems],
            "problems_truncated": self.truncated,
        }


@dataclass
class _Walk:
    chain: str
    expected_seq: int = 1
    prev_hash: str = GENESIS_HASH
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


def verify_chains(
    events: Iterable[RecordedEvent],
    heads: Iterable[ChainHead],
    signer: HeadSigner,
    expected_chains: Iterable[str] = (),
    checkpoints: CheckpointIndex | None = None,
) -> VerificationReport:
    """Check events (ordered by chain, then seq, as the store returns them) against the heads and their signatures,
    and against the checkpoints when there are any."""
    report = VerificationReport()
    index = checkpoints or CheckpointIndex()
    report.checkpoints = index.chains
    for problem in index.problems:
        report.add(problem)
    heads_by_chain = {head.chain: head for head in heads}
    walked: dict[str, _Walk] = {}
    walk: _Walk | None = None
    for recorded in events:
        if walk is None or walk.chain != recorded.chain:
            if walk is not None:
                _finish(walk, heads_by_chain.get(walk.chain), signer, report, index)
            if recorded.chain in walked:
                raise ValueError("events must be ordered by chain, then seq")
            walk = walked[recorded.chain] = _Walk(recorded.chain)
        report.events += 1
        _step(walk, recorded, report, index)
    if walk is not None:
        _finish(walk, heads_by_chain.get(walk.chain), signer, report, index)
    for chain, head in sorted(heads_by_chain.items()):
        if chain not in walked:
            _finish(_Walk(chain), head, signer, report, index)
    for chain in sorted(set(index.by_chain) - set(heads_by_chain) - set(walked)):
        _finish(_Walk(chain), None, signer, report, index)
    for chain in sorted(set(expected_chains) - set(heads_by_chain) - set(walked) - set(index.by_chain)):
        report.add(ChainProblem(chain, None, "no-chain", "the account has no audit chain (deleted with its head?)"))
    report.chains = len(set(walked) | set(heads_by_chain))
    return report


def _step(walk: _Walk, recorded: RecordedEvent, report: VerificationReport, index: CheckpointIndex) -> None:
    chain, seq = walk.chain, recorded.seq
    if seq > walk.expected_seq:
        gap = f"{walk.expected_seq}" if seq == walk.expected_seq + 1 else f"{walk.expected_seq}..{seq - 1}"
        report.add(ChainProblem(chain, walk.expected_seq, "missing", f"event(s) {gap} are missing (deleted?)"))
    elif seq < walk.expected_seq:  # cannot happen while the (chain, seq) unique constraint stands
        report.add(ChainProblem(chain, seq, "unexpected", f"event {seq} appears twice or out of order"))
    elif recorded.prev_hash != walk.prev_hash:
        report.add(
            ChainProblem(
                chain, seq, "relinked", f"event {seq} does not link to event {seq - 1} (inserted, reordered or edited?)"
            )
        )
    if chain_hash(recorded.prev_hash, chain, seq, recorded.event) != recorded.hash:
        report.add(ChainProblem(chain, seq, "edited", f"event {seq} does not match its hash (edited?)"))
    rewritten = index.check_event(chain, seq, recorded.hash)
    if rewritten is not None:
        report.add(rewritten)
    walk.expected_seq = max(walk.expected_seq, seq + 1)
    walk.prev_hash = recorded.hash
    walk.last_seq, walk.last_hash = seq, recorded.hash


def _finish(
    walk: _Walk, head: ChainHead | None, signer: HeadSigner, report: VerificationReport, index: CheckpointIndex
) -> None:
    chain = walk.chain
    rolled_back = index.check_end(chain, head.seq if head is not None else walk.last_seq)
    if rolled_back is not None:
        report.add(rolled_back)
    if head is None:
        if walk.last_seq:
            report.add(ChainProblem(chain, walk.last_seq, "no-head", "the chain's events have no head row"))
        return
    if head.seq != walk.last_seq or head.hash != walk.last_hash:
        if head.seq > walk.last_seq:
            message = f"the head names event {head.seq} but the chain ends at {walk.last_seq} (newest events deleted?)"
        elif head.seq < walk.last_seq:
            message = f"the chain goes on to event {walk.last_seq} past its head at {head.seq} (events appended?)"
        else:
            message = f"the head's hash is not that of event {head.seq}"
        report.add(ChainProblem(chain, head.seq, "head", message))
    why = signer.check(head)
    if why is not None:
        report.add(ChainProblem(chain, head.seq, "signature", why))
