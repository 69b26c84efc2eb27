"""What an account holds: the account summary and the credential report (IAM User Guide, "Getting credential
reports for your AWS account"; IAM API Reference, GetAccountSummary).

The credential report is a CSV with one line for the root user (``<root_account>``) and one per IAM user. A
report lives four hours after GenerateCredentialReport; its generation is an audit event, so every server process
sees it. Its lines describe the account when it is fetched.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.identity.access_keys import MAX_ACCESS_KEYS_PER_USER
from twostep.identity.errors import CredentialReportExpired, CredentialReportNotPresent
from twostep.identity.models import AccessKey, User
from twostep.identity.ports import IdentityUnitOfWork
from twostep.unit_of_work import UnitOfWorkFactory

REPORT_LIFETIME = 4 * 3600
GENERATE_EVENT = "GenerateCredentialReport"
REPORT_COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)

# IAM's default quotas, as GetAccountSummary reports them; the ones twostep enforces are imported.
QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": 300,
    "GroupsPerUserQuota": 10,
    "ServerCertificatesQuota": 20,
    "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120,
    "RolePolicySizeQuota": 10240,
    "AssumeRolePolicySizeQuota": 2048,
    "SigningCertificatesPerUserQuota": 2,
    "AccessKeysPerUserQuota": MAX_ACCESS_KEYS_PER_USER,
    "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "PoliciesQuota": 1500,
    "PolicySizeQuota": 6144,
    "PolicyVersionsInUseQuota": 10000,
    "VersionsPerPolicyQuota": 5,
    "RolesQuota": 1000,
    "InstanceProfilesQuota": 1000,
}


@dataclass(frozen=True)
class CredentialReport:
    generated_at: float
    content: bytes  # text/csv, UTF-8


def _time(value: float | None, missing: str = "N/A") -> str:
    if value is None:
        return missing
    return datetime.fromtimestamp(int(value), UTC).isoformat()


def _flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _key_columns(key: AccessKey | None) -> list[str]:
    if key is None:
        return ["FALSE", "N/A", "N/A", "N/A", "N/A"]
    used = key.last_used_at is not None
    return [
        _flag(key.status == "Active"),
        _time(key.created_at),
        _time(key.last_used_at),
        "N/A",  # one endpoint serves every region: no region is recorded
        (key.last_used_service or "N/A") if used else "N/A",
    ]


def _report_line(user: User, keys: list[AccessKey], mfa_active: bool) -> list[str]:
    if user.is_root:
        password = ["not_supported", _time(user.password_last_used, "no_information"), "not_supported"]
    elif user.has_login_profile:
        password = ["TRUE", _time(user.password_last_used, "no_information"), _time(user.password_changed_at)]
    else:
        password = ["FALSE", "N/A", "N/A"]
    first = keys[0] if keys else None
    second = keys[1] if len(keys) > 1 else None
    return [
        "<root_account>" if user.is_root else user.name,
        user.arn,
        _time(user.created_at),
        *password,
        "not_supported" if user.is_root else "N/A",
        _flag(mfa_active),
        *_key_columns(first),
        *_key_columns(second),
        "FALSE",
        "N/A",
        "FALSE",
        "N/A",
    ]


class AccountReports:
    """The reporting part of IdentityService (mixed in; IdentityService sets the attributes)."""

    _uow: UnitOfWorkFactory[IdentityUnitOfWork]
    _clock: Clock

    def account_summary(self, account_id: str) -> dict[str, int]:
        """GetAccountSummary's SummaryMap: what the account holds, and IAM's quotas."""
        with self._uow(readonly=True) as uow:
            root = uow.users.root_of(account_id)
            summary = {
                "Users": uow.users.count(account_id),
                "Groups": uow.groups.count(account_id),
                "Roles": uow.roles.count(account_id),
                "InstanceProfiles": 0,
                "Providers": 0,
                "ServerCertificates": 0,
                "Policies": uow.policies.count_managed(account_id),
                "MFADevices": uow.devices.count_in_account(account_id),
                "MFADevicesInUse": uow.devices.count_in_account(account_id, assigned=True),
                "AccountMFAEnabled": int(uow.devices.count_for_user(root.id) > 0),
                "AccountAccessKeysPresent": int(bool(uow.access_keys.for_user(root.id))),
                "AccountPasswordPresent": int(root.has_login_profile),
                "AccountSigningCertificatesPresent": 0,
                "GlobalEndpointTokenVersion": 1,
            }
        return {**summary, **QUOTAS}

    def generate_credential_report(self, account_id: str, *, actor: User) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            uow.audit.append(AuditEvent(GENERATE_EVENT, account_id, now, actor=actor.arn))
            uow.commit()

    def credential_report(self, account_id: str) -> CredentialReport:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            generated_at = _last_generated(uow, account_id)
            if generated_at is None:
                raise CredentialReportNotPresent()
            if now - generated_at > REPORT_LIFETIME:
                raise CredentialReportExpired()
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(REPORT_COLUMNS)
            for user in [uow.users.root_of(account_id), *uow.users.list(account_id)]:
                keys = uow.access_keys.for_user(user.id)
                writer.writerow(_report_line(user, keys, uow.devices.count_for_user(user.id) > 0))
        return CredentialReport(generated_at, out.getvalue().rstrip("\n").encode("utf-8"))


def _last_generated(uow: IdentityUnitOfWork, account_id: str) -> float | None:
    last = None
    for recorded in uow.audit.events(account_id):
        if recorded.event.event_name == GENERATE_EVENT:
            last = recorded.event.at
    return last
