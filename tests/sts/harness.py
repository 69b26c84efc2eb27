"""End-to-end helpers for STS and policy tests: boto3 clients on a running server, and the server's own
services (same data directory, same movable clock) for setting up users and devices."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from botocore.config import Config

from tests.helpers import code_at, earlier_step_codes
from tests.server_harness import RunningServer
from twostep import bootstrap
from twostep.identity.models import User

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def client(server: RunningServer, service: str, key_id: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRIES,
    )


def session_client(server: RunningServer, service: str, credentials: dict[str, Any]) -> Any:
    """A client signing with GetSessionToken's Credentials (X-Amz-Security-Token)."""
    return client(
        server, service, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


@dataclass
class ApiUser:
    user: User
    key_id: str
    secret: str
    serial: str | None = None
    seed: bytes | None = None

    def client(self, server: RunningServer, service: str) -> Any:
        return client(server, service, self.key_id, self.secret)

    def code(self, server: RunningServer) -> str:
        assert self.seed is not None
        return code_at(self.seed, server.now())

    def next_code(self, server: RunningServer) -> str:
        """A code of a step no earlier use has spent: the server's clock moves on one step first."""
        assert self.seed is not None
        server.move_clock(30)
        return code_at(self.seed, server.now())


def add_user(services: bootstrap.Services, account_id: str, name: str, *, device: bool = True) -> ApiUser:
    """An IAM user with an access key and, unless told otherwise, an enabled virtual MFA device."""
    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(account_id)
    user = services.identity.create_user(account_id, name, actor=root)
    key = services.identity.create_access_key(user, actor=root)
    created = ApiUser(user, key.key.id, key.secret_access_key)
    if device:
        new = services.mfa.create_virtual_device(account_id, f"{name}-phone", actor=user)
        # Enrolled with the two previous steps' codes, so the current step is still unspent.
        services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, services.clock.now), actor=user)
        created.serial, created.seed = new.device.serial, new.seed
    return created


def put_policy(services: bootstrap.Services, user: User, name: str, document: str) -> None:
    with services.uow(readonly=True) as uow:
        root = uow.users.root_of(user.account_id)
    services.policies.user_policies.put(user.account_id, user.name, name, document, actor=root)


@contextmanager
def signing_on_server_clock(server: RunningServer) -> Iterator[None]:
    """boto3 signs with the server's (moved) clock, so tests can move it by hours without tripping SigV4's
    15-minute window. botocore reads the time through this one function."""

    def server_time(remove_tzinfo: bool = True) -> datetime.datetime:
        moment = datetime.datetime.fromtimestamp(server.now(), datetime.UTC)
        return moment.replace(tzinfo=None) if remove_tzinfo else moment

    with mock.patch("botocore.auth.get_current_datetime", server_time):
        yield
