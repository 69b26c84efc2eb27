"""GetAccountSummary and the credential report over IAM; the root user as an API caller."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import (
    consecutive_codes,
    enable_new_device,
    error_of,
    iam_client,
    module_server,
    server_datetime,
    signed_post,
)
from tests.server_harness import RunningServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-account") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


@pytest.fixture(scope="module")
def root_key(server: RunningServer) -> dict[str, str]:
    """Root has no access key after init; AWS allows one, so the services make one."""
    with server.services() as services, services.uow(readonly=True) as uow:
        root = uow.users.root_of(server.account_id)
    with server.services() as services:
        new = services.identity.create_access_key(root, actor=root)
    return {"access_key_id": new.key.id, "secret_access_key": new.secret_access_key}


def test_credential_report_needs_generating_first(iam: Any) -> None:
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException) as absent:
        iam.get_credential_report()
    assert error_of(absent.value)[:2] == (410, "ReportNotPresent")


def test_summary_counts_what_the_account_holds(iam: Any, server: RunningServer) -> None:
    before = iam.get_account_summary()["SummaryMap"]
    assert before["AccessKeysPerUserQuota"] == 2
    assert before["AccountMFAEnabled"] == 0
    iam.create_user(UserName="uma")
    enable_new_device(iam, server, "uma", "uma-phone")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    after = iam.get_account_summary()["SummaryMap"]
    assert after["Users"] == before["Users"] + 1
    assert after["MFADevices"] == before["MFADevices"] + 2
    assert after["MFADevicesInUse"] == before["MFADevicesInUse"] + 1
    assert after["AccountMFAEnabled"] == 0  # only the root user's devices count


def test_root_may_call_the_api_and_account_mfa_follows_root(
    iam: Any, server: RunningServer, root_key: dict[str, str]
) -> None:
    root = iam_client(server, root_key)
    assert root.get_user()["User"]["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert root.list_mfa_devices()["MFADevices"] == []
    with server.services() as services, services.uow(readonly=True) as uow:
        root_user = uow.users.root_of(server.account_id)
    with server.services() as services:  # as the console does it for root
        new = services.mfa.create_virtual_device(server.account_id, "root-phone", actor=root_user)
        code1, code2 = consecutive_codes(new.seed, server)
        services.mfa.enable(root_user, new.device.serial, code1, code2, actor=root_user)
    assert [d["SerialNumber"] for d in root.list_mfa_devices()["MFADevices"]] == [new.device.serial]
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert iam.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1


def test_credential_report(iam: Any, server: RunningServer) -> None:
    iam.create_user(UserName="vera")
    iam.create_login_profile(UserName="vera", Password="a long enough passphrase")
    iam.create_access_key(UserName="vera")
    enable_new_device(iam, server, "vera", "vera-phone")
    iam.create_user(UserName="walt")
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(report["Content"].decode()))}
    assert rows["<root_account>"]["arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert rows["vera"]["mfa_active"] == "TRUE"
    assert rows["vera"]["password_enabled"] == "TRUE"
    assert rows["vera"]["access_key_1_active"] == "TRUE"
    assert rows["vera"]["access_key_2_active"] == "FALSE"
    assert rows["walt"]["mfa_active"] == "FALSE"
    assert rows["walt"]["password_enabled"] == "FALSE"
    assert list(rows["walt"])[:8] == [
        "user",
        "arn",
        "user_creation_time",
        "password_enabled",
        "password_last_used",
        "password_last_changed",
        "password_next_rotation",
        "mfa_active",
    ]


def test_a_report_expires_after_four_hours(iam: Any, server: RunningServer) -> None:
    """Runs last: it moves the server's clock, and signs at the server's time so SigV4 still accepts."""
    iam.generate_credential_report()
    server.move_clock(4 * 3600 + 60)
    try:
        answer = signed_post(server, {"Action": "GetCredentialReport"}, at=server_datetime(server))
        assert answer.status_code == 410
        assert "<Code>ReportExpired</Code>" in answer.text
        regenerated = signed_post(server, {"Action": "GenerateCredentialReport"}, at=server_datetime(server))
        assert regenerated.status_code == 200
        again = signed_post(server, {"Action": "GetCredentialReport"}, at=server_datetime(server))
        assert again.status_code == 200
    finally:
        server.move_clock(-(4 * 3600 + 60))
