"""add hardware TOTP tokens: a kind and TOTP parameters per device, and the imported tokens' seed digests

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="virtual", nullable=False))
        batch_op.add_column(sa.Column("algorithm", sa.String(length=8), server_default="SHA1", nullable=False))
        batch_op.add_column(sa.Column("digits", sa.Integer(), server_default="6", nullable=False))
        batch_op.add_column(sa.Column("period", sa.Integer(), server_default="30", nullable=False))
    op.create_table(
        "hardware_tokens",
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("digest_key_id", sa.String(length=64), nullable=False),
        sa.Column("seed_digest", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["mfa_devices.id"],
            name=op.f("fk_hardware_tokens_device_id_mfa_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_hardware_tokens")),
        sa.UniqueConstraint("seed_digest", name=op.f("uq_hardware_tokens_seed_digest")),
    )


def downgrade() -> None:
    op.drop_table("hardware_tokens")
    with op.batch_alter_table("mfa_devices", schema=None) as batch_op:
        batch_op.drop_column("period")
        batch_op.drop_column("digits")
        batch_op.drop_column("algorithm")
        batch_op.drop_column("kind")
