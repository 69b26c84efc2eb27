"""Security round 2, item 5: a stolen long-term key cannot enrol the thief's device next to the owner's.

docs/policies/force-mfa.json (like AWS's sample) lets a user manage their own MFA devices without MFA, so that a new
user can enrol. With only a long-term key, a thief could then CreateVirtualMFADevice, EnableMFADevice on the same
user, GetSessionToken with the new device, and pass every aws:MultiFactorAuthPresent condition. twostep goes
beyond AWS: a user who has an active device adds, resyncs or deactivates devices only with MFA present.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.awsapi.iam_support import (
    ADMIN_ARN,
    NO_RETRIES,
    REGION,
    consecutive_codes,
    create_device,
    error_of,
    iam_client,
    key_of,
    module_server,
)
from tests.helpers import code_at
from tests.server_harness import RunningServer

REFUSED = "AccessDenied"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "device-changes") as running:
        yield running


def client(server: RunningServer, service: str, key: dict[str, str], token: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=key["access_key_id"],
        aws_secret_access_key=key["secret_access_key"],
        aws_session_token=token,
        config=NO_RETRIES,
    )


def refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(Exception) as raised:
        call(**kwargs)
    return error_of(raised.value)[1]


def test_only_the_first_device_is_enrolled_with_a_long_term_key(server: RunningServer) -> None:
    admin = iam_client(server)
    admin.create_user(UserName="victim")
    admin.attach_user_policy(UserName="victim", PolicyArn=ADMIN_ARN)
    stolen = key_of(admin.create_access_key(UserName="victim"))
    iam = client(server, "iam", stolen)

    # No device yet: the first enrolment with long-term keys works (and is audited and mailed like any other).
    serial, seed = create_device(iam, "victim-phone")
    code1, code2 = consecutive_codes(seed, server)
    iam.enable_mfa_device(UserName="victim", SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)

    # Now the thief's own device: created (an unassigned device grants nothing), but not enabled without MFA.
    thief_serial, thief_seed = create_device(iam, "thief-phone")
    thief1, thief2 = consecutive_codes(thief_seed, server)
    assert (
        refused(
            iam.enable_mfa_device,
            UserName="victim",
            SerialNumber=thief_serial,
            AuthenticationCode1=thief1,
            AuthenticationCode2=thief2,
        )
        == REFUSED
    )
    assert iam.list_mfa_devices(UserName="victim")["MFADevices"][0]["SerialNumber"] == serial
    # Nor may the key resync or deactivate the owner's device.
    server.move_clock(60)
    r1, r2 = consecutive_codes(seed, server)
    resync = {"UserName": "victim", "SerialNumber": serial, "AuthenticationCode1": r1, "AuthenticationCode2": r2}
    assert refused(iam.resync_mfa_device, **resync) == REFUSED
    assert refused(iam.deactivate_mfa_device, UserName="victim", SerialNumber=serial) == REFUSED

    # The owner, with an MFA session, may do all of it.
    server.move_clock(30)
    credentials = client(server, "sts", stolen).get_session_token(
        SerialNumber=serial, TokenCode=code_at(seed, server.now())
    )["Credentials"]
    session = {"access_key_id": credentials["AccessKeyId"], "secret_access_key": credentials["SecretAccessKey"]}
    owner = client(server, "iam", session, credentials["SessionToken"])
    server.move_clock(60)
    n1, n2 = consecutive_codes(thief_seed, server)
    owner.enable_mfa_device(
        UserName="victim", SerialNumber=thief_serial, AuthenticationCode1=n1, AuthenticationCode2=n2
    )
    owner.deactivate_mfa_device(UserName="victim", SerialNumber=thief_serial)
    assert [d["SerialNumber"] for d in owner.list_mfa_devices(UserName="victim")["MFADevices"]] == [serial]


def test_an_administrator_without_a_device_still_manages_other_users_devices(server: RunningServer) -> None:
    admin = iam_client(server)  # the harness's admin: long-term key, no device of its own
    admin.create_user(UserName="lost-phone")
    serial, seed = create_device(admin, "lost-phone-device")
    code1, code2 = consecutive_codes(seed, server)
    admin.enable_mfa_device(
        UserName="lost-phone", SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2
    )
    admin.deactivate_mfa_device(UserName="lost-phone", SerialNumber=serial)
    assert admin.list_mfa_devices(UserName="lost-phone")["MFADevices"] == []
