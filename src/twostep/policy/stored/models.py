"""Stored policies: customer managed policies, the AWS managed ones twostep ships, and the inline policies of
users, groups and roles.

IAM API Reference, "Policy" data type: a managed policy is named by an ARN,
``arn:aws:iam::ACCOUNT:policy{path}{name}`` for customer policies and ``arn:aws:iam::aws:policy{path}{name}`` for
the ones AWS provides to every account.
"""

from __future__ import annotations

from dataclasses import dataclass

AWS_MANAGED_ACCOUNT = "aws"
ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def policy_arn(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:policy{path}{name}"


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    account_id: str | None  # None: AWS managed, visible to every account, attachable, never editable
    policy_id: str
    name: str
    path: str
    description: str | None
    document: str  # as the caller sent it (IAM hands documents back unchanged)
    created_at: float
    updated_at: float
    default_version_id: str = "v1"
    attachment_count: int = 0

    @property
    def aws_managed(self) -> bool:
        return self.account_id is None


# The AWS managed policies twostep knows. AdministratorAccess is what `--admin-user` attaches; its row is created
# the first time it is attached (reads answer from this definition until then).
AWS_MANAGED_POLICIES: dict[str, ManagedPolicy] = {
    ADMINISTRATOR_ACCESS_ARN: ManagedPolicy(
        arn=ADMINISTRATOR_ACCESS_ARN,
        account_id=None,
        policy_id="ANPATWOSTEPADMINACCESS",
        name="AdministratorAccess",
        path="/",
        description="Provides full access to AWS services and resources.",
        document='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        created_at=1423247986.0,  # 2015-02-06T18:39:46Z, when AWS published it
        updated_at=1423247986.0,
    )
}


@dataclass(frozen=True)
class OwnedPolicy:
    """An inline policy embedded in a user, a group or a role (``owner_id`` is the owner's id)."""

    owner_id: str
    name: str
    document: str
