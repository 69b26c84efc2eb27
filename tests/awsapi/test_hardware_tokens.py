"""Hardware TOTP tokens end to end: the operator imports a vendor's PSKC file with `twostep tokens import` into a
running server's database, then users assign and use the tokens through boto3 and the console's sign-in, every
code computed by pyotp from the seeds the file was written with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pyotp
import pytest

from tests.awsapi.iam_support import ADMIN_ARN, error_of, iam_client, key_of
from tests.console.console_client import console_client
from tests.server_harness import RunningServer, running_server, twostep
from tests.sts.harness import client, session_client, signing_on_server_clock
from tests.tokens.vendor_files import VendorToken, pskc_file
from twostep.tokens.seed_files import read_seed_file

TOKENS = {name: VendorToken(f"GAHT5000000{i}") for i, name in enumerate(["alice", "bob", "carol", "spare"], 1)}
MINUTE_SHA256 = VendorToken("GAHT50000009", period=60, suite="HMAC-SHA256")
ELSEWHERE = VendorToken("GAHT59999999")
PASSWORD = "a long console password for tokens"
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."
NOT_YOURS = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid "
    "and associated with this user."
)


def code(token: VendorToken, at: float) -> str:
    return pyotp.TOTP(token.base32, digits=token.digits, interval=token.period, digest=token.digest).at(int(at))


def pair(token: VendorToken, at: float) -> dict[str, str]:
    return {"AuthenticationCode1": code(token, at - token.period), "AuthenticationCode2": code(token, at)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = Path(tmp_path_factory.mktemp("hardware-tokens"))
    with running_server(tmp) as running, signing_on_server_clock(running):
        seeds = tmp / "vendor.pskc"
        seeds.write_bytes(pskc_file([*TOKENS.values(), MINUTE_SHA256], password="vendor password"))
        args = ["--data-dir", str(running.data_dir), "--account-id", running.account_id, "--pskc-password-stdin"]
        done = twostep("tokens", "import", *args, str(seeds), stdin="vendor password\n", env=running.env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"imported": 5, "skipped": []}
        with running.services() as services:  # another account's token, for the isolation checks
            _, other_root = services.identity.create_account("other@example.com", "another long root password")
            elsewhere = pskc_file([ELSEWHERE])
            services.tokens.import_tokens(other_root.account_id, read_seed_file(elsewhere), actor=other_root)
        yield running


@pytest.fixture(scope="module")
def iam(server: RunningServer) -> Any:
    return iam_client(server)


def new_user(iam: Any, server: RunningServer, name: str) -> tuple[Any, Any]:
    """An IAM user with a console password and an access key (AdministratorAccess): its IAM and STS clients."""
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    iam.attach_user_policy(UserName=name, PolicyArn=ADMIN_ARN)
    key = key_of(iam.create_access_key(UserName=name))
    return iam_client(server, key), client(server, "sts", key["access_key_id"], key["secret_access_key"])


def pool(server: RunningServer) -> dict[str, str | None]:
    listed = twostep(
        "tokens", "list", "--data-dir", str(server.data_dir), "--account-id", server.account_id, env=server.env
    )
    assert listed.returncode == 0, listed.stderr
    return {t["serial"]: t["user"] for t in json.loads(listed.stdout)}


def device_id(server: RunningServer, serial: str) -> str:
    with server.services() as services:
        return services.mfa.device(server.account_id, serial).id


def test_assign_sign_in_use_deactivate_and_reassign(server: RunningServer, iam: Any) -> None:
    token = TOKENS["alice"]
    alice, alice_sts = new_user(iam, server, "alice")
    alice.enable_mfa_device(UserName="alice", SerialNumber=token.serial, **pair(token, server.now()))
    assert [d["SerialNumber"] for d in alice.list_mfa_devices()["MFADevices"]] == [token.serial]
    assert iam.get_mfa_device(UserName="alice", SerialNumber=token.serial)["SerialNumber"] == token.serial
    virtual = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert not any(d["SerialNumber"].startswith("GAHT") for d in virtual)
    assert pool(server)[token.serial] == "alice"

    # Console sign-in with the token.
    server.move_clock(30)
    with console_client(server) as browser:
        assert browser.sign_in_iam("alice", PASSWORD).headers["location"] == "/signin/mfa"
        signed_in = browser.submit_mfa(code(token, server.now()), device_id(server, token.serial))
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"

    # STS with the token's serial.
    server.move_clock(30)
    credentials = alice_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, server.now()))
    assert session_client(server, "sts", credentials["Credentials"]).get_caller_identity()["Arn"].endswith("/alice")
    with pytest.raises(botocore.exceptions.ClientError) as replayed:
        alice_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, server.now()))
    assert error_of(replayed.value) == (403, "AccessDenied", MFA_FAILED)

    # AssumeRole with the token's serial, for a role that requires MFA.
    role = iam.create_role(
        RoleName="needs-mfa",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:user/alice"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )["Role"]
    server.move_clock(30)
    assumed = alice_sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="fob", SerialNumber=token.serial, TokenCode=code(token, server.now())
    )
    assert assumed["AssumedRoleUser"]["Arn"].endswith(":assumed-role/needs-mfa/fob")

    report = _credential_report(iam)
    assert report["alice"]["mfa_active"] == "TRUE"

    # Deactivate: back to the pool, then assigned to bob; alice's spent steps stay spent.
    spent = server.now()
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=token.serial)
    assert pool(server)[token.serial] is None and alice.list_mfa_devices()["MFADevices"] == []
    bob, _ = new_user(iam, server, "bob")
    with pytest.raises(botocore.exceptions.ClientError) as reused:
        bob.enable_mfa_device(UserName="bob", SerialNumber=token.serial, **pair(token, spent))
    assert error_of(reused.value) == (403, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
    server.move_clock(90)
    bob.enable_mfa_device(UserName="bob", SerialNumber=token.serial, **pair(token, server.now()))
    assert pool(server)[token.serial] == "bob"
    with pytest.raises(botocore.exceptions.ClientError) as in_use:
        alice.enable_mfa_device(UserName="alice", SerialNumber=token.serial, **pair(token, server.now()))
    assert error_of(in_use.value) == (409, "EntityAlreadyExists", "MFA Device is already in use.")
    server.move_clock(30)
    with pytest.raises(botocore.exceptions.ClientError) as not_alices:
        alice_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, server.now()))
    assert error_of(not_alices.value) == (403, "AccessDenied", NOT_YOURS)


def test_a_token_with_its_own_period_and_hash(server: RunningServer, iam: Any) -> None:
    token = MINUTE_SHA256
    dave, dave_sts = new_user(iam, server, "dave")
    dave.enable_mfa_device(UserName="dave", SerialNumber=token.serial, **pair(token, server.now()))
    server.move_clock(60)
    credentials = dave_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, server.now()))
    assert credentials["Credentials"]["SessionToken"]


def test_unknown_and_other_accounts_tokens_are_no_such_entity(server: RunningServer, iam: Any) -> None:
    iam.create_user(UserName="erin")
    for serial, token in [(ELSEWHERE.serial, ELSEWHERE), ("GAHT00000000", ELSEWHERE)]:
        with pytest.raises(botocore.exceptions.ClientError) as missing:
            iam.enable_mfa_device(UserName="erin", SerialNumber=serial, **pair(token, server.now()))
        assert error_of(missing.value) == (
            404,
            "NoSuchEntity",
            f"MFA Device with serial number {serial} does not exist.",
        )
    with pytest.raises(botocore.exceptions.ClientError) as not_virtual:
        iam.delete_virtual_mfa_device(SerialNumber=TOKENS["spare"].serial)
    assert error_of(not_virtual.value)[:2] == (404, "NoSuchEntity")
    assert TOKENS["spare"].serial in pool(server)


def test_a_token_five_minutes_fast_is_refused_at_sign_in_resynced_then_accepted(
    server: RunningServer, iam: Any
) -> None:
    token = TOKENS["carol"]
    carol, carol_sts = new_user(iam, server, "carol")
    carol.enable_mfa_device(UserName="carol", SerialNumber=token.serial, **pair(token, server.now()))
    # Three years pass on the server's clock; the token's crystal gained five minutes meanwhile. (The clock only
    # moves forward: moving it back would leave the delays of earlier failures in the future.)
    server.move_clock(3 * 365 * 86400)

    def token_now() -> float:
        return server.now() + 300

    with console_client(server) as browser:
        assert browser.sign_in_iam("carol", PASSWORD).headers["location"] == "/signin/mfa"
        refused = browser.submit_mfa(code(token, token_now()), device_id(server, token.serial))
        assert refused.status_code == 400
    with pytest.raises(botocore.exceptions.ClientError) as wrong:
        carol_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, token_now()))
    assert error_of(wrong.value) == (403, "AccessDenied", MFA_FAILED)

    server.move_clock(31 - server.now() % 30)  # a second into a step: the request does not cross into the next
    # Carol has a device, so her long-term key changes none (S34); her administrator resyncs it (the console's
    # resync at sign-in is the self-service way).
    iam.resync_mfa_device(UserName="carol", SerialNumber=token.serial, **pair(token, token_now()))
    with server.services() as services:
        assert services.mfa.device(server.account_id, token.serial).drift == 10

    server.move_clock(30)
    with console_client(server) as browser:
        browser.sign_in_iam("carol", PASSWORD)
        accepted = browser.submit_mfa(code(token, token_now()), device_id(server, token.serial))
        assert accepted.status_code == 303 and accepted.headers["location"] == "/console"
    server.move_clock(30)
    credentials = carol_sts.get_session_token(SerialNumber=token.serial, TokenCode=code(token, token_now()))
    assert credentials["Credentials"]["AccessKeyId"].startswith("ASIA")


def _credential_report(iam: Any) -> dict[str, dict[str, str]]:
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    lines = [line.split(",") for line in content.strip().splitlines()]
    header = lines[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in lines[1:]}
