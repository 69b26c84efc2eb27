"""add recovery codes, recovery links and required MFA

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines (SQLite needs no table copy for it).
    op.add_column("accounts", sa.Column("require_mfa", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("accounts", sa.Column("mfa_grace_until", sa.Float(), nullable=True))
    op.create_table(
        "recovery_code_sets",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("hash_key_id", sa.String(length=64), nullable=False),
        sa.Column("hash_key_blob", sa.LargeBinary(), nullable=False),
        sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("issued_at", sa.Float(), nullable=True),
        sa.Column("confirmed_at", sa.Float(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_code_sets_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_recovery_code_sets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recovery_code_sets")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["recovery_code_sets.user_id"],
            name=op.f("fk_recovery_codes_user_id_recovery_code_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "position", name=op.f("pk_recovery_codes")),
    )
    op.create_table(
        "recovery_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_links")),
    )
    op.create_index(op.f("ix_recovery_links_user_id"), "recovery_links", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recovery_links_user_id"), table_name="recovery_links")
    op.drop_table("recovery_links")
    op.drop_table("recovery_codes")
    op.drop_table("recovery_code_sets")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("mfa_grace_until")
        batch.drop_column("require_mfa")
