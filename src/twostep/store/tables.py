"""The schema, in SQLAlchemy Core. Alembic revisions under store/migrations create it; this module mirrors them.

Times are Unix seconds (double precision) on both engines: no time-zone conversions anywhere.
"""

from __future__ import annotations

import sqlalchemy as sa

# Tables defined beside this module on the same MetaData, re-exported: the repositories import every table from here.
from twostep.store.credential_tables import (
    hardware_tokens as hardware_tokens,
)
from twostep.store.credential_tables import (
    passkey_credentials as passkey_credentials,
)
from twostep.store.credential_tables import (
    recovery_code_sets as recovery_code_sets,
)
from twostep.store.credential_tables import (
    recovery_codes as recovery_codes,
)
from twostep.store.credential_tables import (
    recovery_links as recovery_links,
)
from twostep.store.credential_tables import (
    webauthn_challenges as webauthn_challenges,
)
from twostep.store.metadata import metadata as metadata
from twostep.store.role_group_tables import (
    group_members as group_members,
)
from twostep.store.role_group_tables import (
    group_policies as group_policies,
)
from twostep.store.role_group_tables import (
    group_policy_attachments as group_policy_attachments,
)
from twostep.store.role_group_tables import (
    iam_groups as iam_groups,
)
from twostep.store.role_group_tables import (
    role_policies as role_policies,
)
from twostep.store.role_group_tables import (
    role_policy_attachments as role_policy_attachments,
)
from twostep.store.role_group_tables import (
    role_tags as role_tags,
)
from twostep.store.role_group_tables import (
    roles as roles,
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(12), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    # Required MFA (revision 0008): every IAM user must have a device (the root user always must); until
    # mfa_grace_until, users without one are let in with a banner.
    sa.Column("require_mfa", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mfa_grace_until", sa.Float, nullable=True),
    # AWS's password policy setting AllowUsersToChangePassword (revision 0009): every IAM user may change their
    # own password (iam:ChangePassword on themselves) without a policy that allows it.
    sa.Column("allow_users_to_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    # Lower-cased name of an IAM user (AWS names are unique case-insensitively); NULL for the root user.
    sa.Column("name_key", sa.String(128), nullable=True),
    sa.Column("path", sa.String(512), nullable=False, server_default="/"),
    sa.Column("is_root", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("email", sa.String(254), nullable=True, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=True),
    sa.Column("password_reset_required", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("password_changed_at", sa.Float, nullable=True),
    sa.Column("password_last_used", sa.Float, nullable=True),
    sa.Column("password_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("password_next_attempt_at", sa.Float, nullable=False, server_default="0"),
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("account_id", "name_key", name="uq_users_account_name"),
)

user_tags = sa.Table(
    "user_tags",
    metadata,
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
)

access_keys = sa.Table(
    "access_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("secret_key_id", sa.String(64), nullable=False),
    sa.Column("secret_blob", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float, nullable=True),
    sa.Column("last_used_service", sa.String(32), nullable=True),
)

mfa_devices = sa.Table(
    "mfa_devices",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("serial", sa.String(1024), nullable=False, unique=True),
    sa.Column("seed_key_id", sa.String(64), nullable=False),
    sa.Column("seed_blob", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(32), nullable=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("enabled_at", sa.Float, nullable=True),
    sa.Column("last_used_step", sa.BigInteger, nullable=False, server_default="-1"),
    sa.Column("drift", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False, server_default="0"),
    # Revision 0006: a virtual device or a hardware TOTP token, with the TOTP parameters its codes use.
    sa.Column("kind", sa.String(16), nullable=False, server_default="virtual"),
    sa.Column("algorithm", sa.String(8), nullable=False, server_default="SHA1"),
    sa.Column("digits", sa.Integer, nullable=False, server_default="6"),
    sa.Column("period", sa.Integer, nullable=False, server_default="30"),
)

mfa_device_tags = sa.Table(
    "mfa_device_tags",
    metadata,
    sa.Column("device_id", sa.String(32), sa.ForeignKey("mfa_devices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.Column("authenticated_at", sa.Float, nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("mfa_at", sa.Float, nullable=True),
    sa.Column("mfa_device_id", sa.String(32), nullable=True),
    sa.Column("data", sa.Text, nullable=False, server_default="{}"),
)

audit_heads = sa.Table(
    "audit_heads",
    metadata,
    sa.Column("chain", sa.String(16), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # HMAC over (chain, seq, hash) under a key derived from the key ring (audit/head_signature.py); revision 0003.
    sa.Column("key_id", sa.String(64), nullable=True),
    sa.Column("mac", sa.String(64), nullable=True),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("chain", sa.String(16), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("event_name", sa.String(64), nullable=False),
    sa.Column("account_id", sa.String(12), nullable=True),
    sa.Column("actor", sa.String(1024), nullable=True),
    sa.Column("source_ip", sa.String(64), nullable=True),
    sa.Column("mfa_used", sa.Boolean, nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("chain", "seq", name="uq_audit_events_chain_seq"),
)

managed_policies = sa.Table(
    "managed_policies",
    metadata,
    sa.Column("arn", sa.String(2048), primary_key=True),
    # NULL for the AWS-managed policies twostep ships (arn:aws:iam::aws:policy/...), shared by every account.
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=True, index=True),
    sa.Column("policy_id", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("description", sa.String(1000), nullable=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("default_version_id", sa.String(16), nullable=False, server_default="v1"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

user_policies = sa.Table(
    "user_policies",
    metadata,
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

user_policy_attachments = sa.Table(
    "user_policy_attachments",
    metadata,
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("policy_arn", sa.String(2048), sa.ForeignKey("managed_policies.arn"), primary_key=True),
)

temporary_credentials = sa.Table(
    "temporary_credentials",
    metadata,
    sa.Column("access_key_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("secret_key_id", sa.String(64), nullable=False),
    sa.Column("secret_blob", sa.LargeBinary, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),  # SHA-256 of the session token
    sa.Column("issued_by", sa.String(32), nullable=False),  # GetSessionToken, AssumeRole
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
    sa.Column("mfa_authenticated_at", sa.Float, nullable=True),
    sa.Column("mfa_serial", sa.String(1024), nullable=True),
    # AssumeRole credentials (revision 0005): the role they act as, the session's name and its session policy.
    # user_id is then the IAM user whose request started the session.
    sa.Column("role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("session_name", sa.String(64), nullable=True),
    sa.Column("session_policy", sa.Text, nullable=True),
)

# The mail outbox's progress (notify/): events of a chain up to `seq` are handled. A process claims the rest with a
# conditional UPDATE (claimed_by, claimed_until: a lease) so that several server processes send each mail once.
notification_cursors = sa.Table(
    "notification_cursors",
    metadata,
    sa.Column("chain", sa.String(16), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_until", sa.Float, nullable=True),
)

# Failed codes per source address (S10; revision 0004): consecutive failures from one address, whatever the device
# or path, earn the address a progressive delay (mfa/verifier.py). `source` is an IPv4 address or an IPv6 /64.
# Why a console session was ended (S18), by its id hash, for the holder of its cookie; swept after 12 hours.
ended_sessions = sa.Table(
    "ended_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("ended_at", sa.Float, nullable=False, index=True),
)

source_throttles = sa.Table(
    "source_throttles",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False, server_default="0"),
    sa.Column("last_failure_at", sa.Float, nullable=False, server_default="0"),
)
