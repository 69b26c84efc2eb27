"""Every IAM action twostep serves, each wrapped so that domain failures leave as AWS errors."""

from __future__ import annotations

from twostep.awsapi import (
    iam_access_keys,
    iam_account,
    iam_groups,
    iam_login_profiles,
    iam_mfa,
    iam_policies,
    iam_roles,
    iam_users,
)
from twostep.awsapi.context import Handler
from twostep.awsapi.domain_errors import translating

_AREAS = (iam_users, iam_access_keys, iam_login_profiles, iam_mfa, iam_account, iam_policies, iam_roles, iam_groups)

IAM_HANDLERS: dict[tuple[str, str], Handler] = {
    ("iam", action): translating(handler) for area in _AREAS for action, handler in area.HANDLERS.items()
}
