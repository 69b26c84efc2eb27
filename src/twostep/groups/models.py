"""Groups: plain values, no persistence. IAM User Guide, "IAM identifiers": ``arn:aws:iam::ACCOUNT:group{path}{name}``,
unique id ``AGPA...``."""

from __future__ import annotations

from dataclasses import dataclass


def group_arn(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:group{path}{name}"


@dataclass(frozen=True)
class Group:
    id: str  # AGPA...
    account_id: str
    name: str
    path: str
    created_at: float

    @property
    def arn(self) -> str:
        return group_arn(self.account_id, self.path, self.name)
