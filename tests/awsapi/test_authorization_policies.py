"""Policy enforcement on the API's call path (CredentialResolver.check_allowed -> authorize), on a real store.

Each case builds the CallContext the endpoint would build for a verified signature, so the decisions, the
resources and AWS's AccessDenied texts are checked without a network in between; the boto3 suites in
test_authorization_force_mfa.py cover the same path through the wire.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from twostep.awsapi.context import CallContext, Caller
from twostep.awsapi.credentials import CredentialResolver
from twostep.awsapi.protocol.errors import ApiError
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN

FORCE_MFA = (Path(__file__).parents[2] / "docs" / "policies" / "force-mfa.json").read_text()
LONG_TERM, MFA_SESSION, PLAIN_SESSION = "long-term", "mfa-session", "session-without-mfa"


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def put(services: Services, root: User, user: User, name: str, statements: list[dict[str, Any]] | str) -> None:
    document = (
        statements if isinstance(statements, str) else json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    services.policies.user_policies.put(root.account_id, user.name, name, document, actor=root)


def call(
    services: Services,
    user: User,
    action: str,
    params: dict[str, Any] | None = None,
    *,
    credentials: str = LONG_TERM,
    mfa_age: float = 0.0,
    service: str = "iam",
    source_ip: str | None = "203.0.113.7",
    secure: bool = True,
) -> None:
    now = services.clock.now()
    caller = Caller(
        user,
        "ASIAEXAMPLEEXAMPLE00" if credentials != LONG_TERM else "AKIAEXAMPLEEXAMPLE00",
        temporary=credentials != LONG_TERM,
        mfa_authenticated_at=now - mfa_age if credentials == MFA_SESSION else None,
    )
    context = CallContext(services, caller, service, action, "request-id", source_ip, secure, now)
    CredentialResolver(services).check_allowed(context, params or {})


def refusal(services: Services, user: User, action: str, params: dict[str, Any] | None = None, **kw: Any) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call(services, user, action, params, **kw)
    return raised.value


def test_no_policy_means_access_denied_in_aws_words(services: Services, alice: User) -> None:
    error = refusal(services, alice, "ListUsers")
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == (
        f"User: arn:aws:iam::{alice.account_id}:user/alice is not authorized to perform: iam:ListUsers on "
        f"resource: arn:aws:iam::{alice.account_id}:user/ because no identity-based policy allows the "
        "iam:ListUsers action"
    )


def test_explicit_deny_beats_allow(services: Services, root: User, alice: User) -> None:
    services.policies.user_policies.attach(root.account_id, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)
    call(services, alice, "ListUsers")
    put(services, root, alice, "no-deleting", [{"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"}])
    call(services, alice, "ListUsers")
    error = refusal(services, alice, "DeleteUser", {"UserName": "bob"})
    assert error.message == (
        f"User: {alice.arn} is not authorized to perform: iam:DeleteUser on resource: "
        f"arn:aws:iam::{alice.account_id}:user/bob with an explicit deny in an identity-based policy"
    )


def test_root_may_do_everything_in_its_account(services: Services, root: User) -> None:
    call(services, root, "ListUsers")
    call(services, root, "DeleteUser", {"UserName": "anyone"})


def test_get_session_token_and_get_caller_identity_need_no_permission(
    services: Services, root: User, alice: User
) -> None:
    put(services, root, alice, "deny-all", [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    call(services, alice, "GetSessionToken", service="sts")
    call(services, alice, "GetCallerIdentity", service="sts")
    call(services, alice, "GetCallerIdentity", service="sts", credentials=PLAIN_SESSION)
    assert refusal(services, alice, "ListUsers").message.endswith("with an explicit deny in an identity-based policy")


def test_sessions_without_mfa_cannot_call_iam(services: Services, root: User) -> None:
    error = refusal(services, root, "ListUsers", credentials=PLAIN_SESSION)
    assert (error.code, error.message, error.status) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    call(services, root, "ListUsers", credentials=MFA_SESSION)


# (action, params, credentials) -> allowed? for a user with force-mfa.json and AdministratorAccess.
FORCE_MFA_CASES = [
    ("ListVirtualMFADevices", {}, LONG_TERM, True),
    ("CreateVirtualMFADevice", {"VirtualMFADeviceName": "alice-phone"}, LONG_TERM, True),
    ("EnableMFADevice", {"UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/a"}, LONG_TERM, True),
    ("ResyncMFADevice", {"UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/a"}, LONG_TERM, True),
    ("ListMFADevices", {}, LONG_TERM, True),
    ("GetUser", {}, LONG_TERM, True),
    ("ListUsers", {}, LONG_TERM, False),
    ("DeactivateMFADevice", {"SerialNumber": "arn:aws:iam::1:mfa/a"}, LONG_TERM, False),
    ("CreateAccessKey", {}, LONG_TERM, False),
    ("EnableMFADevice", {"UserName": "bob", "SerialNumber": "arn:aws:iam::1:mfa/b"}, LONG_TERM, True),
    ("ListUsers", {}, MFA_SESSION, True),
    ("DeactivateMFADevice", {"SerialNumber": "arn:aws:iam::1:mfa/a"}, MFA_SESSION, True),
    ("CreateAccessKey", {}, MFA_SESSION, True),
    ("DeleteUser", {"UserName": "bob"}, MFA_SESSION, True),
]


@pytest.mark.parametrize(("action", "params", "credentials", "allowed"), FORCE_MFA_CASES)
def test_force_mfa_policy_with_administrator_access(
    services: Services, root: User, alice: User, action: str, params: dict[str, Any], credentials: str, allowed: bool
) -> None:
    put(services, root, alice, "force-mfa", FORCE_MFA)
    services.policies.user_policies.attach(root.account_id, "alice", ADMINISTRATOR_ACCESS_ARN, actor=root)
    if allowed:
        call(services, alice, action, params, credentials=credentials)
    else:
        message = refusal(services, alice, action, params, credentials=credentials).message
        assert message.endswith("with an explicit deny in an identity-based policy")


def test_force_mfa_alone_grants_only_self_management(services: Services, root: User, alice: User) -> None:
    put(services, root, alice, "force-mfa", FORCE_MFA)
    call(services, alice, "EnableMFADevice", {"UserName": "alice", "SerialNumber": "x" * 9})
    error = refusal(services, alice, "EnableMFADevice", {"UserName": "bob", "SerialNumber": "x" * 9})
    assert "because no identity-based policy allows the iam:EnableMFADevice action" in error.message
    error = refusal(services, alice, "ListUsers", credentials=MFA_SESSION)
    assert "because no identity-based policy allows" in error.message


def test_multi_factor_auth_age(services: Services, root: User, alice: User) -> None:
    put(
        services,
        root,
        alice,
        "recent-mfa",
        [
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            }
        ],
    )
    call(services, alice, "ListUsers", credentials=MFA_SESSION, mfa_age=3599)
    refusal(services, alice, "ListUsers", credentials=MFA_SESSION, mfa_age=3600)
    refusal(services, alice, "ListUsers")  # long-term keys carry no age: the condition is false


def test_condition_keys_of_the_request(services: Services, clock: FrozenClock, root: User, alice: User) -> None:
    put(
        services,
        root,
        alice,
        "conditions",
        [
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": "arn:aws:iam::*:user/${aws:username}",
                "Condition": {
                    "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                    "Bool": {"aws:SecureTransport": "true"},
                    "StringEquals": {"aws:userid": alice.id, "aws:PrincipalAccount": alice.account_id},
                    "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                    "Null": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        ],
    )
    call(services, alice, "GetUser")
    call(services, alice, "GetUser", {"UserName": "alice"})
    refusal(services, alice, "GetUser", {"UserName": "bob"})
    refusal(services, alice, "GetUser", source_ip="198.51.100.1")
    refusal(services, alice, "GetUser", secure=False)
    refusal(services, alice, "GetUser", credentials=MFA_SESSION)  # aws:MultiFactorAuthPresent is present
    clock.set(1_893_456_000.0)  # 2030-01-01T00:00:00Z
    refusal(services, alice, "GetUser")


def test_resources_carry_the_users_path(services: Services, root: User, alice: User) -> None:
    services.identity.create_user(root.account_id, "olga", actor=root, path="/ops/")
    put(
        services,
        root,
        alice,
        "ops",
        [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/ops/*"}],
    )
    call(services, alice, "GetUser", {"UserName": "olga"})
    error = refusal(services, alice, "ListUsers", {"PathPrefix": "/ops/"})
    assert f"on resource: arn:aws:iam::{alice.account_id}:user/ops/ because" in error.message


def test_another_accounts_permissions_do_not_leak(services: Services, root: User, alice: User) -> None:
    _, other_root = services.identity.create_account("other@example.com", "correct horse battery")
    mallory = services.identity.create_user(other_root.account_id, "mallory", actor=other_root)
    services.policies.user_policies.attach(other_root.account_id, "mallory", ADMINISTRATOR_ACCESS_ARN, actor=other_root)
    call(services, mallory, "ListUsers")
    refusal(services, alice, "ListUsers")
