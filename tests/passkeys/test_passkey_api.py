"""A passkey in the IAM and STS API, with boto3 against the real server: listed, answered for and deactivated like
AWS's FIDO devices; refused by GetSessionToken and AssumeRole as a serial that is not the caller's device."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.awsapi.iam_support import client_of_user, iam_client
from tests.console.console_client import console_client
from tests.passkeys.console_passkeys import at_localhost, authenticator_for, register
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import client

PASSWORD = "a long enough passphrase"
NOT_A_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(Path(tmp_path_factory.mktemp("passkey-api"))) as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def with_passkey(server: RunningServer, iam: Any, name: str) -> tuple[Any, dict[str, str], str]:
    """An IAM user who registered a passkey at the console: their IAM client, access key and the passkey's serial."""
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    own = client_of_user(iam, server, name)
    key = own.create_access_key()["AccessKey"]
    with console_client(at_localhost(server)) as browser:
        assert browser.sign_in_iam(name, PASSWORD).status_code == 303
        assert register(browser, authenticator_for(server), "fido-key").status_code == 303
    [device] = iam.list_mfa_devices(UserName=name)["MFADevices"]
    return own, {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}, device["SerialNumber"]


def failures(server: RunningServer, serial: str) -> int:
    with server.services() as services:
        return services.mfa.device(server.account_id, serial).failures


def refusal(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_listed_answered_for_and_deactivated(server: RunningServer, iam: Any) -> None:
    own, _, serial = with_passkey(server, iam, "alice")
    assert serial.startswith(f"arn:aws:iam::{server.account_id}:u2f/user/alice/fido-key-")
    listed = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [("alice", serial)]
    assert own.list_mfa_devices()["MFADevices"][0]["SerialNumber"] == serial  # the caller's own, by default
    got = iam.get_mfa_device(SerialNumber=serial, UserName="alice")
    assert (got["UserName"], got["SerialNumber"]) == ("alice", serial)
    assert got["EnableDate"] == listed[0]["EnableDate"]
    assert got.get("Certifications", {}) == {}  # no metadata of authenticator models: empty, as AWS allows
    virtual = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert serial not in [d["SerialNumber"] for d in virtual]  # a passkey is no virtual device

    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(report))}
    assert rows["alice"]["mfa_active"] == "TRUE"

    with server.services() as services:
        device = services.mfa.device(server.account_id, serial)
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    assert refusal(iam.get_mfa_device, SerialNumber=serial, UserName="alice")[0] == "NoSuchEntity"
    assert serial not in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    with server.services() as services, services.uow(readonly=True) as uow:  # gone, not left unassigned
        assert uow.devices.by_serial(server.account_id, serial) is None
        assert uow.passkeys.for_device(device.id) is None
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    assert {row["user"]: row for row in csv.DictReader(io.StringIO(report))}["alice"]["mfa_active"] == "FALSE"


def test_sts_refuses_a_passkeys_serial(server: RunningServer, iam: Any) -> None:
    _, key, serial = with_passkey(server, iam, "bob")
    sts = client(server, "sts", key["id"], key["secret"])
    assert refusal(sts.get_session_token, SerialNumber=serial, TokenCode="123456") == ("AccessDenied", NOT_A_DEVICE)
    role = iam.create_role(
        RoleName="bobs-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:user/bob"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    refused = refusal(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="bob-session", SerialNumber=serial, TokenCode="123456"
    )
    assert refused == ("AccessDenied", NOT_A_DEVICE)
    assert failures(server, serial) == 0  # refused before any code was looked at: nothing to count
    assert sts.get_session_token()["Credentials"]["AccessKeyId"].startswith("ASIA")  # without MFA it answers
