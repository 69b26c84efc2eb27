"""Identity rules the IAM API added: tags, password-reset flag, account summary and the credential report."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.account_reports import REPORT_COLUMNS, REPORT_LIFETIME
from twostep.identity.errors import (
    CredentialReportExpired,
    CredentialReportNotPresent,
    InvalidTags,
    NoLoginProfile,
    TooManyTags,
)
from twostep.identity.models import Tag, User
from twostep.identity.tags import checked_tags, with_tags, without_tags


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


def test_tag_rules() -> None:
    assert with_tags([Tag("Team", "a"), Tag("cost", "1")], [Tag("team", "b")]) == (Tag("cost", "1"), Tag("team", "b"))
    assert without_tags([Tag("Team", "a"), Tag("cost", "1")], ["TEAM", "absent"]) == (Tag("cost", "1"),)
    with pytest.raises(InvalidTags):
        checked_tags([Tag("a", "1"), Tag("A", "2")])
    with pytest.raises(InvalidTags):
        checked_tags([Tag("AWS:thing", "1")])
    with pytest.raises(TooManyTags):
        with_tags([Tag(f"k{i}", "") for i in range(50)], [Tag("one-more", "")])


def test_user_tags_and_reset_flag(services: Services, root: User) -> None:
    identity, account = services.identity, root.account_id
    identity.create_user(account, "alice", actor=root, tags=(Tag("team", "ops"),))
    identity.add_user_tags(account, "alice", (Tag("Team", "dev"),), actor=root)
    assert identity.user(account, "alice").tags == (Tag("Team", "dev"),)
    identity.remove_user_tags(account, "alice", ("team",), actor=root)
    assert identity.user(account, "alice").tags == ()
    with pytest.raises(NoLoginProfile):
        identity.set_password_reset_required(account, "alice", True, actor=root)
    identity.set_login_profile(account, "alice", "a long enough passphrase", actor=root, create=True)
    identity.set_password_reset_required(account, "alice", True, actor=root)
    alice = identity.user(account, "alice")
    assert alice.password_reset_required and alice.password_changed_at is not None


def test_account_summary(services: Services, clock: FrozenClock, root: User) -> None:
    account = root.account_id
    summary = services.identity.account_summary(account)
    assert (summary["Users"], summary["MFADevices"], summary["AccountMFAEnabled"]) == (0, 0, 0)
    new = services.mfa.create_virtual_device(account, "root-phone", actor=root)
    now = clock.now()
    services.mfa.enable(root, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=root)
    services.identity.create_user(account, "bob", actor=root)
    summary = services.identity.account_summary(account)
    assert (summary["Users"], summary["MFADevicesInUse"], summary["AccountMFAEnabled"]) == (1, 1, 1)
    assert summary["AccessKeysPerUserQuota"] == 2


def test_credential_report_lifetime_and_lines(services: Services, clock: FrozenClock, root: User) -> None:
    account = root.account_id
    with pytest.raises(CredentialReportNotPresent):
        services.identity.credential_report(account)
    bob = services.identity.create_user(account, "bob", actor=root, password="a long enough passphrase")
    services.identity.create_access_key(bob, actor=root)
    services.identity.generate_credential_report(account, actor=root)
    clock.advance(60)
    report = services.identity.credential_report(account)
    assert report.generated_at == clock.now() - 60
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert [r["user"] for r in rows] == ["<root_account>", "bob"]
    assert rows[1]["password_enabled"] == "TRUE" and rows[1]["access_key_1_active"] == "TRUE"
    assert rows[1]["mfa_active"] == "FALSE" and rows[0]["password_enabled"] == "not_supported"
    clock.advance(REPORT_LIFETIME)
    with pytest.raises(CredentialReportExpired):
        services.identity.credential_report(account)
