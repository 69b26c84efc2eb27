"""add source throttles

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # S10: failed codes per source address, for a progressive delay per address on top of the device's own.
    op.create_table(
        "source_throttles",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.Float(), server_default="0", nullable=False),
        sa.Column("last_failure_at", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_throttles")),
    )


def downgrade() -> None:
    op.drop_table("source_throttles")
