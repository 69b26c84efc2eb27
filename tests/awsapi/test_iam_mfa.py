"""Virtual MFA devices over IAM with boto3, every code computed with pyotp from the seed the API returned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest

from tests.awsapi.iam_support import (
    ADMIN_ARN,
    NO_RETRIES,
    REGION,
    b32,
    client_of_user,
    consecutive_codes,
    create_device,
    decode_qr,
    enable_new_device,
    error_of,
    iam_client,
    key_of,
    module_server,
)
from tests.helpers import code_at
from tests.server_harness import RunningServer

INVALID_CODE = (403, "InvalidAuthenticationCode", "Authentication code for device is not valid.")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-mfa") as running:
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


@pytest.fixture
def user(iam: Any, request: pytest.FixtureRequest) -> str:
    """A fresh IAM user per test, named after the test."""
    name = request.node.name.removeprefix("test_")[:50].replace("[", "-").replace("]", "")
    iam.create_user(UserName=name)
    return name


def test_create_returns_a_real_seed_and_qr_code(iam: Any, server: RunningServer) -> None:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="qr-check", Path="/team/")["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{server.account_id}:mfa/team/qr-check"
    seed = device["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(b32(seed.decode())) == 20  # the base32 text of a 160-bit seed
    uri = urlsplit(decode_qr(device["QRCodePNG"]))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/twostep:qr-check@{server.account_id}"
    query = parse_qs(uri.query)
    assert query["secret"] == [seed.decode()]
    assert query["issuer"] == ["twostep"]


def test_enable_with_two_consecutive_codes(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    code1, code2 = consecutive_codes(seed, server)
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    listed = iam.list_mfa_devices(UserName=user)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(user, serial)]
    # one state: the console's services see the same device for the same user
    with server.services() as services:
        owner = services.identity.user(server.account_id, user)
        assert [d.serial for d in services.mfa.devices_of(owner)] == [serial]


def test_wrong_codes_are_refused_and_assign_nothing(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    now = server.now()
    for code1, code2 in [
        (code_at(seed, now), code_at(seed, now)),  # the same code twice is not two consecutive codes
        (code_at(seed, now), code_at(seed, now - 30)),  # out of order
        (code_at(seed, now - 300), code_at(seed, now - 270)),  # far too old
        ("123456", "654321"),
    ]:
        with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException) as refused:
            iam.enable_mfa_device(
                UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2
            )
        assert error_of(refused.value) == INVALID_CODE
    assert iam.list_mfa_devices(UserName=user)["MFADevices"] == []


def test_enrolment_codes_are_spent(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    code1, code2 = consecutive_codes(seed, server)
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException):
        iam.resync_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)


def test_resync_with_the_next_two_codes(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = enable_new_device(iam, server, user, f"{user}-phone")
    now = server.now()
    iam.resync_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=code_at(seed, now + 30),
        AuthenticationCode2=code_at(seed, now + 60),
    )
    with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException):  # spent as well
        iam.resync_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=code_at(seed, now + 30),
            AuthenticationCode2=code_at(seed, now + 60),
        )


def test_resync_of_a_device_the_user_does_not_have(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    code1, code2 = consecutive_codes(seed, server)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.resync_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)


def test_a_device_in_use_cannot_be_enabled_again(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = enable_new_device(iam, server, user, f"{user}-phone")
    iam.create_user(UserName=f"{user}-other")
    now = server.now()
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as in_use:
        iam.enable_mfa_device(
            UserName=f"{user}-other",
            SerialNumber=serial,
            AuthenticationCode1=code_at(seed, now + 30),
            AuthenticationCode2=code_at(seed, now + 60),
        )
    assert error_of(in_use.value) == (409, "EntityAlreadyExists", "MFA Device is already in use.")


def test_names_are_unique_per_path(iam: Any) -> None:
    iam.create_virtual_mfa_device(VirtualMFADeviceName="twin")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_virtual_mfa_device(VirtualMFADeviceName="twin")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="twin", Path="/elsewhere/")


def test_unknown_user_or_serial(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    code1, code2 = consecutive_codes(seed, server)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as no_user:
        iam.enable_mfa_device(
            UserName="nobody", SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2
        )
    assert error_of(no_user.value) == (404, "NoSuchEntity", "The user with name nobody cannot be found.")
    missing = f"arn:aws:iam::{server.account_id}:mfa/missing"
    with pytest.raises(iam.exceptions.NoSuchEntityException) as no_device:
        iam.enable_mfa_device(UserName=user, SerialNumber=missing, AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert error_of(no_device.value) == (
        404,
        "NoSuchEntity",
        f"MFA Device with serial number {missing} does not exist.",
    )


def test_eight_devices_per_user(iam: Any, server: RunningServer, user: str) -> None:
    for i in range(8):
        enable_new_device(iam, server, user, f"{user}-{i}")
    serial, seed = create_device(iam, f"{user}-8")
    code1, code2 = consecutive_codes(seed, server)
    with pytest.raises(iam.exceptions.LimitExceededException) as limit:
        iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert error_of(limit.value)[:2] == (409, "LimitExceeded")
    assert len(iam.list_mfa_devices(UserName=user)["MFADevices"]) == 8
    page = iam.list_mfa_devices(UserName=user, MaxItems=5)
    rest = iam.list_mfa_devices(UserName=user, Marker=page["Marker"])
    assert len(page["MFADevices"]) == 5 and page["IsTruncated"] and len(rest["MFADevices"]) == 3


def test_deactivate_then_delete(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = enable_new_device(iam, server, user, f"{user}-phone")
    with pytest.raises(iam.exceptions.DeleteConflictException) as assigned:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(assigned.value) == (
        409,
        "DeleteConflict",
        "You must deactivate a user's virtual MFA device before you can delete it",
    )
    as_user = mfa_session_of(iam, server, user, serial, seed)  # a user with a device changes devices with MFA
    as_user.deactivate_mfa_device(SerialNumber=serial)  # UserName omitted: the caller's own device
    assert as_user.list_mfa_devices()["MFADevices"] == []
    assert {"SerialNumber": serial} in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_virtual_mfa_device(SerialNumber=serial)


def mfa_session_of(iam: Any, server: RunningServer, user: str, serial: str, seed: str) -> Any:
    """An IAM client of `user` on temporary credentials from GetSessionToken with the device's next code."""
    key = key_of(iam.create_access_key(UserName=user))
    iam.attach_user_policy(UserName=user, PolicyArn=ADMIN_ARN)
    sts = boto3.client(
        "sts",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=key["access_key_id"],
        aws_secret_access_key=key["secret_access_key"],
        config=NO_RETRIES,
    )
    server.move_clock(30)  # the enrolment spent the current step
    credentials = sts.get_session_token(SerialNumber=serial, TokenCode=code_at(seed, server.now()))["Credentials"]
    return boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=NO_RETRIES,
    )


def test_list_virtual_devices_by_assignment_never_shows_a_seed(iam: Any, server: RunningServer, user: str) -> None:
    assigned_serial, _ = enable_new_device(iam, server, user, f"{user}-assigned")
    free_serial, _ = create_device(iam, f"{user}-free")
    everything = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    for entry in everything:
        assert "Base32StringSeed" not in entry and "QRCodePNG" not in entry
    entry = next(d for d in assigned if d["SerialNumber"] == assigned_serial)
    assert entry["User"]["UserName"] == user and "EnableDate" in entry
    assert {"SerialNumber": free_serial} in unassigned
    assert all(d["SerialNumber"] != assigned_serial for d in unassigned)
    assert {d["SerialNumber"] for d in everything} == {d["SerialNumber"] for d in assigned + unassigned}
    paginator = iam.get_paginator("list_virtual_mfa_devices")
    paged = [
        d["SerialNumber"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 2})
        for d in page["VirtualMFADevices"]
    ]
    assert sorted(paged) == sorted(d["SerialNumber"] for d in everything)


def test_get_mfa_device(iam: Any, server: RunningServer, user: str) -> None:
    serial, _ = enable_new_device(iam, server, user, f"{user}-phone")
    found = iam.get_mfa_device(UserName=user, SerialNumber=serial)
    assert (found["UserName"], found["SerialNumber"]) == (user, serial)
    assert "EnableDate" in found
    as_user = client_of_user(iam, server, user)
    assert as_user.get_mfa_device(SerialNumber=serial)["UserName"] == user
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_mfa_device(SerialNumber=serial)  # not the admin's device
    free, _ = create_device(iam, f"{user}-free")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_mfa_device(UserName=user, SerialNumber=free)


def test_device_tags(iam: Any, server: RunningServer) -> None:
    serial, _ = create_device(iam, "tagged", Tags=[{"Key": "owner", "Value": "ops"}])
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "Owner", "Value": "dev"}, {"Key": "site", "Value": "b"}])
    tags = iam.list_mfa_device_tags(SerialNumber=serial)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Owner", "dev"), ("site", "b")]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["SITE"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "Owner", "Value": "dev"}]
    missing = f"arn:aws:iam::{server.account_id}:mfa/none"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_mfa_device_tags(SerialNumber=missing)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.tag_mfa_device(SerialNumber=missing, Tags=[{"Key": "a", "Value": "b"}])
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}])


def test_the_same_verifier_locks_a_device_after_ten_failures(iam: Any, server: RunningServer, user: str) -> None:
    serial, seed = create_device(iam, f"{user}-phone")
    for _ in range(10):
        with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException):
            iam.enable_mfa_device(
                UserName=user, SerialNumber=serial, AuthenticationCode1="000000", AuthenticationCode2="000001"
            )
    code1, code2 = consecutive_codes(seed, server)
    with pytest.raises(iam.exceptions.InvalidAuthenticationCodeException) as locked:
        iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert error_of(locked.value) == INVALID_CODE  # the same answer whatever the reason (S13)
    with server.services() as services, services.uow(readonly=True) as uow:
        rejected = [
            e.event
            for e in uow.audit.events(server.account_id)
            if e.event.event_name == "MfaCodeRejected" and e.event.details.get("serialNumber") == serial
        ]
    assert len(rejected) == 11
    assert {e.details["purpose"] for e in rejected} == {"EnableMFADevice"}
    assert rejected[-1].error_code == "locked"
    assert all(code1 not in str(e.details) and code2 not in str(e.details) for e in rejected)  # S23


def test_a_device_assigned_through_the_services_is_listed(iam: Any, server: RunningServer, user: str) -> None:
    """The console assigns devices through the same MFA service: the API lists what it assigned."""
    with server.services() as services:
        owner = services.identity.user(server.account_id, user)
        new = services.mfa.create_virtual_device(server.account_id, f"{user}-console", actor=owner)
        code1, code2 = consecutive_codes(new.seed, server)
        services.mfa.enable(owner, new.device.serial, code1, code2, actor=owner)
    listed = iam.list_mfa_devices(UserName=user)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [new.device.serial]
