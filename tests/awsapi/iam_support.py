"""Shared by the IAM integration tests: boto3 clients, raw signed requests and MFA enrolment against a server."""

from __future__ import annotations

import base64
import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from tests.helpers import code_at
from tests.server_harness import RunningServer, running_server

REGION = "eu-west-1"  # any region: the endpoint serves them all
NO_RETRIES = Config(retries={"total_max_attempts": 1})
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


@contextmanager
def module_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp(name)) as server:
        yield server


def iam_client(server: RunningServer, key: dict[str, str] | None = None) -> Any:
    key = key or server.admin
    return boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=key["access_key_id"],
        aws_secret_access_key=key["secret_access_key"],
        config=NO_RETRIES,
    )


def client_of_user(iam: Any, server: RunningServer, user_name: str, *, admin: bool = True) -> Any:
    """A client with a new access key of ``user_name``; with AdministratorAccess attached unless admin=False
    (calls are authorized by the user's policies)."""
    if admin:
        iam.attach_user_policy(UserName=user_name, PolicyArn=ADMIN_ARN)
    return iam_client(server, key_of(iam.create_access_key(UserName=user_name)))


def key_of(created: dict[str, Any]) -> dict[str, str]:
    """The {access_key_id, secret_access_key} of a CreateAccessKey answer."""
    access_key = created["AccessKey"]
    return {"access_key_id": access_key["AccessKeyId"], "secret_access_key": access_key["SecretAccessKey"]}


def error_of(exc: Any) -> tuple[int, str, str]:
    """(HTTP status, code, message) of a botocore ClientError."""
    response = exc.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def consecutive_codes(seed: bytes | str, server: RunningServer) -> tuple[str, str]:
    """Two consecutive codes ending at the server's current step, as an authenticator shows them 30 s apart."""
    now = server.now()
    return code_at(seed, now - 30), code_at(seed, now)


def create_device(iam: Any, name: str, **kwargs: Any) -> tuple[str, str]:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kwargs)["VirtualMFADevice"]
    return device["SerialNumber"], device["Base32StringSeed"].decode("ascii")


def enable_new_device(iam: Any, server: RunningServer, user_name: str, name: str) -> tuple[str, str]:
    serial, seed = create_device(iam, name)
    code1, code2 = consecutive_codes(seed, server)
    iam.enable_mfa_device(UserName=user_name, SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    return serial, seed


def signed_post(
    server: RunningServer,
    form: dict[str, str],
    *,
    key: dict[str, str] | None = None,
    service: str = "iam",
    at: datetime.datetime | None = None,
) -> httpx.Response:
    """A query-protocol request signed by botocore's SigV4Auth, sent as is: no client-side validation."""
    key = key or server.admin
    body = urlencode({"Version": "2010-05-08", **form})
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(key["access_key_id"], key["secret_access_key"])
    if at is None:
        SigV4Auth(credentials, service, REGION).add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", lambda *args, **kwargs: at):
            SigV4Auth(credentials, service, REGION).add_auth(request)
    return httpx.post(server.url + "/", content=body.encode(), headers=dict(request.headers.items()), timeout=30)


def server_datetime(server: RunningServer) -> datetime.datetime:
    """The server's 'now' as botocore's signer wants it (naive UTC)."""
    return datetime.datetime.fromtimestamp(server.now(), datetime.UTC).replace(tzinfo=None)


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, results
    return str(results[0].text)


def b32(seed: str) -> bytes:
    return base64.b32decode(seed + "=" * (-len(seed) % 8))
