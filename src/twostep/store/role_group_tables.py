"""Roles, groups and their policies (revision 0005)."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.store.metadata import metadata

# Roles, groups and their policies (revision 0005). Names are unique per account in any case (name_key).
roles = sa.Table(
    "roles",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("name_key", sa.String(64), nullable=False),
    sa.Column("path", sa.String(512), nullable=False, server_default="/"),
    sa.Column("description", sa.String(1000), nullable=True),
    sa.Column("max_session_duration", sa.Integer, nullable=False, server_default="3600"),
    sa.Column("trust_policy", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("account_id", "name_key", name="uq_roles_account_name"),
)

role_tags = sa.Table(
    "role_tags",
    metadata,
    sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
)

role_policies = sa.Table(
    "role_policies",
    metadata,
    sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

role_policy_attachments = sa.Table(
    "role_policy_attachments",
    metadata,
    sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("policy_arn", sa.String(2048), sa.ForeignKey("managed_policies.arn"), primary_key=True),
)

iam_groups = sa.Table(
    "iam_groups",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_key", sa.String(128), nullable=False),
    sa.Column("path", sa.String(512), nullable=False, server_default="/"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("account_id", "name_key", name="uq_iam_groups_account_name"),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_id", sa.String(32), sa.ForeignKey("iam_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

group_policies = sa.Table(
    "group_policies",
    metadata,
    sa.Column("group_id", sa.String(32), sa.ForeignKey("iam_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

group_policy_attachments = sa.Table(
    "group_policy_attachments",
    metadata,
    sa.Column("group_id", sa.String(32), sa.ForeignKey("iam_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("policy_arn", sa.String(2048), sa.ForeignKey("managed_policies.arn"), primary_key=True),
)
