"""GetSessionToken and GetCallerIdentity end to end: boto3 against the real server (issue 4, S25)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.server_harness import RunningServer, running_server
from tests.sts.harness import ApiUser, add_user, client, session_client, signing_on_server_clock

WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
NOT_YOUR_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(Path(tmp_path_factory.mktemp("sts"))) as running, signing_on_server_clock(running):
        yield running


def new_user(server: RunningServer, name: str, *, device: bool = True) -> ApiUser:
    with server.services() as services:
        return add_user(services, server.account_id, name, device=device)


def failures_of(server: RunningServer, user: ApiUser) -> int:
    assert user.serial is not None
    with server.services() as services:
        return services.mfa.device(server.account_id, user.serial).failures


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def expires_in(credentials: dict[str, Any], server: RunningServer) -> float:
    expiration: datetime.datetime = credentials["Expiration"]
    return expiration.timestamp() - server.now()


def aws_cli(server: RunningServer, *args: str, key_id: str, secret: str, token: str | None = None) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    env.pop("AWS_SESSION_TOKEN", None)
    if token is not None:
        env["AWS_SESSION_TOKEN"] = token
    aws = str(Path(sys.executable).parent / "aws")
    done = subprocess.run(
        [aws, *args, "--endpoint-url", server.url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_aws_cli(server: RunningServer) -> None:
    # The CLI signs with the real clock: this runs before any test moves the server's clock far.
    assert abs(server.clock_offset) < 600
    kim = new_user(server, "kim")
    answer = aws_cli(
        server,
        "sts",
        "get-session-token",
        "--serial-number",
        kim.serial or "",
        "--token-code",
        kim.code(server),
        key_id=kim.key_id,
        secret=kim.secret,
    )
    credentials = answer["Credentials"]
    identity = aws_cli(
        server,
        "sts",
        "get-caller-identity",
        key_id=credentials["AccessKeyId"],
        secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )
    assert identity["Arn"] == kim.user.arn


def test_get_caller_identity_with_a_long_term_key(server: RunningServer) -> None:
    admin = client(server, "sts", server.admin["access_key_id"], server.admin["secret_access_key"])
    identity = admin.get_caller_identity()
    assert identity["Account"] == server.account_id
    assert identity["Arn"] == f"arn:aws:iam::{server.account_id}:user/admin"
    assert identity["UserId"].startswith("AIDA")


def test_a_right_code_gives_mfa_session_credentials(server: RunningServer) -> None:
    alice = new_user(server, "alice")
    sts = alice.client(server, "sts")
    answer = sts.get_session_token(SerialNumber=alice.serial, TokenCode=alice.code(server), DurationSeconds=900)
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and credentials["SessionToken"]
    assert 890 <= expires_in(credentials, server) <= 901
    identity = session_client(server, "sts", credentials).get_caller_identity()
    assert identity["Arn"] == alice.user.arn and identity["UserId"] == alice.user.id
    assert identity["Account"] == server.account_id


def test_a_wrong_code_is_refused_and_counted(server: RunningServer) -> None:
    bob = new_user(server, "bob")
    sts = bob.client(server, "sts")
    right = bob.code(server)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert error_of(sts.get_session_token, SerialNumber=bob.serial, TokenCode=wrong) == (
        "AccessDenied",
        WRONG_CODE,
        403,
    )
    assert failures_of(server, bob) == 1  # S25: counts toward the device's lockout (S8)
    sts.get_session_token(SerialNumber=bob.serial, TokenCode=right)
    assert failures_of(server, bob) == 0


def test_a_replayed_code_is_refused(server: RunningServer) -> None:
    carol = new_user(server, "carol")
    sts = carol.client(server, "sts")
    code = carol.code(server)
    sts.get_session_token(SerialNumber=carol.serial, TokenCode=code)
    assert error_of(sts.get_session_token, SerialNumber=carol.serial, TokenCode=code) == (
        "AccessDenied",
        WRONG_CODE,
        403,
    )
    sts.get_session_token(SerialNumber=carol.serial, TokenCode=carol.next_code(server))


def test_wrong_codes_lock_the_device_for_every_path(server: RunningServer) -> None:
    dave = new_user(server, "dave")
    sts = dave.client(server, "sts")
    right = dave.code(server)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(10):
        error_of(sts.get_session_token, SerialNumber=dave.serial, TokenCode=wrong)
    assert error_of(sts.get_session_token, SerialNumber=dave.serial, TokenCode=right)[1] == WRONG_CODE
    with server.services() as services:
        assert services.mfa.device(server.account_id, dave.serial or "").failures >= 10


def test_a_serial_that_is_not_the_callers(server: RunningServer) -> None:
    erin, frank = new_user(server, "erin"), new_user(server, "frank")
    sts = erin.client(server, "sts")
    assert error_of(sts.get_session_token, SerialNumber=frank.serial, TokenCode=frank.code(server)) == (
        "AccessDenied",
        NOT_YOUR_DEVICE,
        403,
    )
    unknown = f"arn:aws:iam::{server.account_id}:mfa/nobody"
    assert error_of(sts.get_session_token, SerialNumber=unknown, TokenCode="123456")[1] == NOT_YOUR_DEVICE
    assert failures_of(server, frank) == 0


def test_duration_bounds(server: RunningServer) -> None:
    grace = new_user(server, "grace", device=False)
    sts = grace.client(server, "sts")
    assert error_of(sts.get_session_token, DurationSeconds=129_601) == (
        "ValidationError",
        "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 129600",
        400,
    )
    with pytest.raises(botocore.exceptions.ParamValidationError):  # boto3 checks the minimum itself
        sts.get_session_token(DurationSeconds=899)
    assert 129_590 <= expires_in(sts.get_session_token(DurationSeconds=129_600)["Credentials"], server) <= 129_601
    assert 43_190 <= expires_in(sts.get_session_token()["Credentials"], server) <= 43_201


def test_the_root_user_is_capped_at_an_hour(server: RunningServer) -> None:
    with server.services() as services:
        with services.uow(readonly=True) as uow:
            root = uow.users.root_of(server.account_id)
        key = services.identity.create_access_key(root, actor=root)
    sts = client(server, "sts", key.key.id, key.secret_access_key)
    assert 3_590 <= expires_in(sts.get_session_token(DurationSeconds=7_200)["Credentials"], server) <= 3_601
    assert 890 <= expires_in(sts.get_session_token(DurationSeconds=900)["Credentials"], server) <= 901
    identity = sts.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{server.account_id}:root"
    assert identity["UserId"] == server.account_id


def test_session_credentials_expire(server: RunningServer) -> None:
    henry = new_user(server, "henry")
    answer = henry.client(server, "sts").get_session_token(
        SerialNumber=henry.serial, TokenCode=henry.code(server), DurationSeconds=900
    )
    session = session_client(server, "sts", answer["Credentials"])
    session.get_caller_identity()
    server.move_clock(901)
    assert error_of(session.get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


def test_session_credentials_cannot_get_another_session(server: RunningServer) -> None:
    ivy = new_user(server, "ivy", device=False)
    session = session_client(server, "sts", ivy.client(server, "sts").get_session_token()["Credentials"])
    assert error_of(session.get_session_token) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials.",
        403,
    )


def test_tokens_must_match_their_key(server: RunningServer) -> None:
    jack = new_user(server, "jack", device=False)
    sts = jack.client(server, "sts")
    first, second = sts.get_session_token()["Credentials"], sts.get_session_token()["Credentials"]
    invalid = ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    mixed = client(server, "sts", first["AccessKeyId"], first["SecretAccessKey"], second["SessionToken"])
    assert error_of(mixed.get_caller_identity) == invalid
    no_token = client(server, "sts", first["AccessKeyId"], first["SecretAccessKey"])
    assert error_of(no_token.get_caller_identity) == invalid
    long_term_with_token = client(server, "sts", jack.key_id, jack.secret, first["SessionToken"])
    assert error_of(long_term_with_token.get_caller_identity) == invalid
    wrong_secret = client(server, "sts", first["AccessKeyId"], second["SecretAccessKey"], first["SessionToken"])
    assert error_of(wrong_secret.get_caller_identity)[0] == "SignatureDoesNotMatch"
