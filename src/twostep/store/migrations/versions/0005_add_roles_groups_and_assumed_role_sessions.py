"""add roles, groups and assumed-role sessions

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=512), server_default="/", nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("max_session_duration", sa.Integer(), server_default="3600", nullable=False),
        sa.Column("trust_policy", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_roles_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("account_id", "name_key", name="uq_roles_account_name"),
    )
    op.create_table(
        "role_tags",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name=op.f("fk_role_tags_role_id_roles"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("role_id", "position", name=op.f("pk_role_tags")),
    )
    op.create_table(
        "role_policies",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_policies_role_id_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("role_id", "name", name=op.f("pk_role_policies")),
    )
    op.create_table(
        "role_policy_attachments",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_arn"],
            ["managed_policies.arn"],
            name=op.f("fk_role_policy_attachments_policy_arn_managed_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_policy_attachments_role_id_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("role_id", "policy_arn", name=op.f("pk_role_policy_attachments")),
    )

    op.create_table(
        "iam_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), server_default="/", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_iam_groups_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_groups")),
        sa.UniqueConstraint("account_id", "name_key", name="uq_iam_groups_account_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["iam_groups.id"], name=op.f("fk_group_members_group_id_iam_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)
    op.create_table(
        "group_policies",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["iam_groups.id"], name=op.f("fk_group_policies_group_id_iam_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "name", name=op.f("pk_group_policies")),
    )
    op.create_table(
        "group_policy_attachments",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["iam_groups.id"],
            name=op.f("fk_group_policy_attachments_group_id_iam_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_arn"],
            ["managed_policies.arn"],
            name=op.f("fk_group_policy_attachments_policy_arn_managed_policies"),
        ),
        sa.PrimaryKeyConstraint("group_id", "policy_arn", name=op.f("pk_group_policy_attachments")),
    )

    # AssumeRole credentials live with GetSessionToken's: the role they act as, the session name, the session policy.
    with op.batch_alter_table("temporary_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("session_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("session_policy", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_temporary_credentials_role_id"), ["role_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_temporary_credentials_role_id_roles"), "roles", ["role_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("temporary_credentials", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_temporary_credentials_role_id_roles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_temporary_credentials_role_id"))
        batch_op.drop_column("session_policy")
        batch_op.drop_column("session_name")
        batch_op.drop_column("role_id")

    op.drop_table("group_policy_attachments")
    op.drop_table("group_policies")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))
    op.drop_table("group_members")
    op.drop_table("iam_groups")
    op.drop_table("role_policy_attachments")
    op.drop_table("role_policies")
    op.drop_table("role_tags")
    op.drop_table("roles")
