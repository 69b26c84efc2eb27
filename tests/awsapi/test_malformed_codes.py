"""S5 on the API: a code that is not exactly six ASCII digits is answered with AWS's ValidationError and still counts
as a failure on the device it was sent for (EnableMFADevice, ResyncMFADevice, GetSessionToken), through the one
verifier; requests that name no device of the caller, or that AWS would refuse for other reasons, count nothing."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.awsapi.iam_support import create_device, iam_client, key_of, module_server, signed_post
from tests.server_harness import RunningServer
from tests.sts.harness import ApiUser, add_user, put_policy, signing_on_server_clock

MALFORMED = [" 12345", "123 45", "１２３４５６", "+12345", "12345", "1234567", "12a456", "١٢٣٤٥٦", ""]
NAMES = itertools.count(1)
WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "malformed-codes") as running, signing_on_server_clock(running):
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


@pytest.fixture
def user(server: RunningServer) -> ApiUser:
    """A fresh IAM user with an access key and an enabled device."""
    name = f"user-{next(NAMES)}"
    with server.services() as services:
        return add_user(services, server.account_id, name)


def failures(server: RunningServer, serial: str) -> int:
    with server.services() as services:
        return services.mfa.device(server.account_id, serial).failures


def rejections(server: RunningServer, serial: str) -> list[tuple[str | None, str]]:
    """(reason, purpose) of every MfaCodeRejected event of the device, oldest first."""
    with server.services() as services, services.uow(readonly=True) as uow:
        return [
            (e.event.error_code, e.event.details["purpose"])
            for e in uow.audit.events(server.account_id)
            if e.event.event_name == "MfaCodeRejected" and e.event.details.get("serialNumber") == serial
        ]


def error(answer: Any) -> tuple[int, str, str]:
    code = re.search(r"<Code>(.*?)</Code>", answer.text)
    message = re.search(r"<Message>(.*?)</Message>", answer.text, re.DOTALL)
    assert code is not None, answer.text
    return answer.status_code, code.group(1), message.group(1) if message else ""


def session_token(server: RunningServer, user: ApiUser, code: str, **extra: str) -> Any:
    form = {"Action": "GetSessionToken", "Version": "2011-06-15", "SerialNumber": user.serial or "", "TokenCode": code}
    return signed_post(
        server, {**form, **extra}, key={"access_key_id": user.key_id, "secret_access_key": user.secret}, service="sts"
    )


@pytest.mark.parametrize("code", MALFORMED)
def test_a_malformed_token_code_is_a_validation_error_and_a_failure(
    server: RunningServer, user: ApiUser, code: str
) -> None:
    assert user.serial is not None
    status, kind, message = error(session_token(server, user, code))
    assert (status, kind) == (400, "ValidationError")  # what AWS answers, unchanged
    assert "at 'tokenCode' failed to satisfy constraint" in message
    assert failures(server, user.serial) == 1
    assert rejections(server, user.serial) == [("malformed", "GetSessionToken")]


def test_malformed_token_codes_lock_the_device(server: RunningServer, user: ApiUser) -> None:
    assert user.serial is not None
    for code in (MALFORMED * 2)[:10]:
        assert error(session_token(server, user, code))[1] == "ValidationError"
    assert failures(server, user.serial) == 10
    # Locked (S8): even the right code is refused now, with STS's usual answer.
    assert error(session_token(server, user, user.code(server)))[:3] == (403, "AccessDenied", WRONG_CODE)
    assert rejections(server, user.serial)[-1] == ("locked", "GetSessionToken")


def test_malformed_enrolment_codes_count_on_the_unassigned_device(server: RunningServer, iam: Any) -> None:
    iam.create_user(UserName="enrolling")
    serial, _ = create_device(iam, "enrolling-phone")
    form = {"Action": "EnableMFADevice", "UserName": "enrolling", "SerialNumber": serial}
    answer = signed_post(server, {**form, "AuthenticationCode1": "12345", "AuthenticationCode2": "123456"})
    assert error(answer)[:2] == (400, "ValidationError")
    answer = signed_post(server, {**form, "AuthenticationCode1": "123456", "AuthenticationCode2": "１２３４５６"})
    assert error(answer)[:2] == (400, "ValidationError")
    assert failures(server, serial) == 2
    assert rejections(server, serial) == [("malformed", "EnableMFADevice")] * 2
    assert iam.list_mfa_devices(UserName="enrolling")["MFADevices"] == []


def test_malformed_resync_codes_count(server: RunningServer, user: ApiUser) -> None:
    assert user.serial is not None
    form = {"Action": "ResyncMFADevice", "UserName": user.user.name, "SerialNumber": user.serial}
    answer = signed_post(server, {**form, "AuthenticationCode1": "123456", "AuthenticationCode2": " 23456"})
    assert error(answer)[:2] == (400, "ValidationError")
    assert rejections(server, user.serial) == [("malformed", "ResyncMFADevice")]


def test_nothing_is_counted_for_a_device_that_is_not_the_callers(server: RunningServer, user: ApiUser) -> None:
    with server.services() as services:
        other = add_user(services, server.account_id, "someone-else")
    assert other.serial is not None
    # GetSessionToken takes only the caller's own devices.
    answer = session_token(server, user, "12345", SerialNumber=other.serial)
    assert error(answer)[:2] == (400, "ValidationError")
    assert failures(server, other.serial) == 0


def test_nothing_is_counted_without_permission(server: RunningServer, iam: Any, user: ApiUser) -> None:
    """A key with no policy may not resync anybody's device, so its malformed codes touch nothing."""
    assert user.serial is not None
    iam.create_user(UserName="no-rights")
    key = key_of(iam.create_access_key(UserName="no-rights"))
    form = {"Action": "ResyncMFADevice", "UserName": user.user.name, "SerialNumber": user.serial}
    answer = signed_post(server, {**form, "AuthenticationCode1": "12345", "AuthenticationCode2": "123456"}, key=key)
    assert error(answer)[:2] == (400, "ValidationError")
    assert failures(server, user.serial) == 0


def test_nothing_is_counted_when_other_members_are_invalid_too(server: RunningServer, user: ApiUser) -> None:
    assert user.serial is not None
    answer = session_token(server, user, "12345", DurationSeconds="60")
    status, kind, message = error(answer)
    assert (status, kind) == (400, "ValidationError") and message.startswith("2 validation errors detected")
    assert failures(server, user.serial) == 0


def test_well_formed_codes_are_unaffected(server: RunningServer, user: ApiUser) -> None:
    assert user.serial is not None
    right = user.code(server)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert error(session_token(server, user, wrong))[:3] == (403, "AccessDenied", WRONG_CODE)
    assert failures(server, user.serial) == 1
    assert session_token(server, user, right).status_code == 200
    assert failures(server, user.serial) == 0


def test_a_malformed_assume_role_code_counts_too(server: RunningServer, iam: Any, user: ApiUser) -> None:
    assert user.serial is not None
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user.user.arn}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=f"role-{user.user.name}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    with server.services() as services:
        put_policy(services, user.user, "assume", json.dumps(allow))
    form = {
        "Action": "AssumeRole",
        "Version": "2011-06-15",
        "RoleArn": role["Arn"],
        "RoleSessionName": "malformed-session",
        "SerialNumber": user.serial,
        "TokenCode": "12 345",
    }
    key = {"access_key_id": user.key_id, "secret_access_key": user.secret}
    assert error(signed_post(server, form, key=key, service="sts"))[:2] == (400, "ValidationError")
    assert rejections(server, user.serial) == [("malformed", "AssumeRole")]
