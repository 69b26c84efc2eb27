"""add policies and temporary credentials

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "managed_policies",
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("default_version_id", sa.String(length=16), server_default="v1", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_managed_policies_account_id_accounts")),
        sa.PrimaryKeyConstraint("arn", name=op.f("pk_managed_policies")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_managed_policies_policy_id")),
    )
    with op.batch_alter_table("managed_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_managed_policies_account_id"), ["account_id"], unique=False)

    op.create_table(
        "temporary_credentials",
        sa.Column("access_key_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("secret_key_id", sa.String(length=64), nullable=False),
        sa.Column("secret_blob", sa.LargeBinary(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("mfa_authenticated_at", sa.Float(), nullable=True),
        sa.Column("mfa_serial", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_temporary_credentials_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_temporary_credentials_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_temporary_credentials")),
    )
    with op.batch_alter_table("temporary_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_temporary_credentials_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_temporary_credentials_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_policies",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_policies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "name", name=op.f("pk_user_policies")),
    )
    op.create_table(
        "user_policy_attachments",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_arn"],
            ["managed_policies.arn"],
            name=op.f("fk_user_policy_attachments_policy_arn_managed_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_policy_attachments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "policy_arn", name=op.f("pk_user_policy_attachments")),
    )


def downgrade() -> None:
    op.drop_table("user_policy_attachments")
    op.drop_table("user_policies")
    with op.batch_alter_table("temporary_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_temporary_credentials_user_id"))
        batch_op.drop_index(batch_op.f("ix_temporary_credentials_expires_at"))

    op.drop_table("temporary_credentials")
    with op.batch_alter_table("managed_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_managed_policies_account_id"))

    op.drop_table("managed_policies")
