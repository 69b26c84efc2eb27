"""Where a measurement's CPU went: the server's processes, PostgreSQL's, the load generator's, and how busy the
whole machine was. Read from /proc before and after a cell (Linux only; elsewhere nothing is reported).

It answers what bounds a cell: a machine near 100% busy is CPU-bound, and the split per request says which
process would have to do less; a machine with idle CPU while requests queue is bound by waiting (locks, round
trips, fsync), not by computation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class CpuUse:
    """CPU seconds over a cell: the server's process tree, every PostgreSQL process, this process (the client)."""

    server: float
    postgres: float
    client: float
    machine_busy: float  # the share of all cores that was busy, 0..1
    elapsed: float

    def per_request_ms(self, requests: int) -> tuple[float, float, float]:
        if requests <= 0:
            return 0.0, 0.0, 0.0
        return 1000 * self.server / requests, 1000 * self.postgres / requests, 1000 * self.client / requests


@dataclass
class _Sample:
    by_pid: dict[int, tuple[int, str, float]]  # pid -> (parent pid, command name, CPU seconds)
    busy: float
    total: float


def _sample() -> _Sample:
    by_pid: dict[int, tuple[int, str, float]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # fields[1] is the parent pid; fields[11] and fields[12] are utime and stime (stat(5), counted from state).
        by_pid[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    cpu = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = cpu[3] + cpu[4]  # idle and iowait
    return _Sample(by_pid, (sum(cpu) - idle) / TICKS, sum(cpu) / TICKS)


def _tree(sample: _Sample, root: int) -> set[int]:
    pids = {root}
    grew = True
    while grew:
        more = {pid for pid, (parent, _name, _cpu) in sample.by_pid.items() if parent in pids} - pids
        pids |= more
        grew = bool(more)
    return pids


def _spent(before: _Sample, after: _Sample, pids: set[int]) -> float:
    """CPU seconds the processes spent between the samples (a process started meanwhile counts from zero)."""
    total = 0.0
    for pid in pids:
        if pid in after.by_pid:
            earlier = before.by_pid.get(pid)
            total += after.by_pid[pid][2] - (earlier[2] if earlier else 0.0)
    return total


@contextmanager
def measured(server_pid: int | None) -> Iterator[list[CpuUse]]:
    """Yields a list that holds the cell's CpuUse once the block ends (empty where /proc is missing)."""
    out: list[CpuUse] = []
    if not (PROC / "stat").exists():
        yield out
        return
    before, started = _sample(), perf_counter()
    yield out
    after, elapsed = _sample(), perf_counter() - started
    server = _tree(after, server_pid) | _tree(before, server_pid) if server_pid else set()
    postgres = {pid for pid, (_p, name, _c) in after.by_pid.items() if name.startswith("postgres")}
    client = {os.getpid()}
    busy = (after.busy - before.busy) / max(after.total - before.total, 1e-9)
    out.append(
        CpuUse(
            server=_spent(before, after, server),
            postgres=_spent(before, after, postgres),
            client=_spent(before, after, client),
            machine_busy=busy,
            elapsed=elapsed,
        )
    )
