"""Where sealed secrets live: one per row in each of these columns, with the associated data that binds it to its
row (store/key_rotation.py re-seals them all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from twostep.identity.access_keys import access_key_associated_data
from twostep.mfa.models import seed_associated_data
from twostep.mfa.recovery_codes import hash_key_associated_data
from twostep.store.tables import access_keys, mfa_devices, recovery_code_sets, temporary_credentials
from twostep.sts.terms import temporary_secret_associated_data


@dataclass(frozen=True)
class SealedColumn:
    """One sealed secret per row: the key id and blob columns, and the associated data binding it to its row."""

    name: str
    table: sa.Table
    id_column: str
    key_column: str
    blob_column: str
    associated_data: Callable[[str], bytes]


SEALED_COLUMNS = (
    SealedColumn("mfa_devices.seed", mfa_devices, "id", "seed_key_id", "seed_blob", seed_associated_data),
    SealedColumn("access_keys.secret", access_keys, "id", "secret_key_id", "secret_blob", access_key_associated_data),
    SealedColumn(
        "temporary_credentials.secret",
        temporary_credentials,
        "access_key_id",
        "secret_key_id",
        "secret_blob",
        temporary_secret_associated_data,
    ),
    SealedColumn(
        "recovery_code_sets.hash_key",
        recovery_code_sets,
        "user_id",
        "hash_key_id",
        "hash_key_blob",
        hash_key_associated_data,
    ),
)
