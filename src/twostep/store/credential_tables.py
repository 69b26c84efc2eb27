"""Hardware tokens in the pool, passkey credentials and their ceremonies' challenges, recovery codes and the root
user's mailed sign-in links (revisions 0006-0008)."""

from __future__ import annotations

import sqlalchemy as sa

from twostep.store.metadata import metadata

# Hardware TOTP tokens (revision 0006): the pool facts of an imported token, whose device row is in mfa_devices.
# seed_digest is an HMAC-SHA256 of the seed under a key derived from the key ring key `digest_key_id`, so that a
# seed already installed is found without ever comparing seeds in the clear (tokens/fingerprint.py).
hardware_tokens = sa.Table(
    "hardware_tokens",
    metadata,
    sa.Column("device_id", sa.String(32), sa.ForeignKey("mfa_devices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("digest_key_id", sa.String(64), nullable=False),
    sa.Column("seed_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("imported_at", sa.Float, nullable=False),
)

# Passkeys and security keys (revision 0007): the WebAuthn credential of an MFA device of the u2f kind (its name,
# serial, failure counter and enable date are in mfa_devices), and the challenges of ceremonies under way, one per
# session and ceremony (passkeys/challenges.py). Both go with the row they belong to.
passkey_credentials = sa.Table(
    "passkey_credentials",
    metadata,
    sa.Column("device_id", sa.String(32), sa.ForeignKey("mfa_devices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("credential_id", sa.LargeBinary, nullable=False, unique=True),
    sa.Column("public_key", sa.LargeBinary, nullable=False),  # COSE key, as the authenticator sent it
    sa.Column("sign_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("transports", sa.String(128), nullable=False, server_default=""),  # space-separated
    sa.Column("aaguid", sa.String(36), nullable=False),
    sa.Column("backup_eligible", sa.Boolean, nullable=False),
    sa.Column("backed_up", sa.Boolean, nullable=False),
    sa.Column("rp_id", sa.String(253), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float, nullable=True),
)

webauthn_challenges = sa.Table(
    "webauthn_challenges",
    metadata,
    sa.Column("session_hash", sa.String(64), sa.ForeignKey("sessions.id_hash", ondelete="CASCADE"), primary_key=True),
    sa.Column("ceremony", sa.String(8), primary_key=True),  # create | get
    sa.Column("challenge", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("device_id", sa.String(32), nullable=True),  # an authentication challenge's device
)

# Recovery codes (revision 0008): one set per user - the key its codes are hashed with (sealed by the key ring, so
# a rotation re-seals it and the hashes stay valid), whether a new set is owed (a first device was assigned), and its
# attempt counter, reserved before a code is evaluated as a device's is (mfa/verifier.py) - and the keyed hashes of
# its codes, each spent once.
recovery_code_sets = sa.Table(
    "recovery_code_sets",
    metadata,
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("hash_key_id", sa.String(64), nullable=False),
    sa.Column("hash_key_blob", sa.LargeBinary, nullable=False),
    sa.Column("pending", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("issued_at", sa.Float, nullable=True),
    sa.Column("confirmed_at", sa.Float, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False, server_default="0"),
)

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    sa.Column(
        "user_id", sa.String(32), sa.ForeignKey("recovery_code_sets.user_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("used_at", sa.Float, nullable=True),
)

# The root user's mailed sign-in links (revision 0008): single use, short-lived, bound to the half-signed-in session
# that asked for one. The link's token is a MAC of its id under a key derived from the key ring: it is stored nowhere.
recovery_links = sa.Table(
    "recovery_links",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("session_hash", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float, nullable=True),
)
