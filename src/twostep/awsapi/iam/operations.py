"""Every IAM action twostep serves, each wrapped so that domain failures leave as AWS errors."""

from __future__ import annotations

from twostep.awsapi.context import Handler
from twostep.awsapi.domain_errors import translating
from twostep.awsapi.iam import access_keys, account, groups, login_profiles, mfa, policies, roles, users

_AREAS = (users, access_keys, login_profiles, mfa, account, policies, roles, groups)

IAM_HANDLERS: dict[tuple[str, str], Handler] = {
    ("iam", action): translating(handler) for area in _AREAS for action, handler in area.HANDLERS.items()
}
