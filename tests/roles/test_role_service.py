"""Roles and AssumeRole in the domain, on a real store (both engines) with a frozen clock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.identity.principal import Principal, RoleSession
from twostep.policy.language.access import RequestEnvironment
from twostep.policy.language.errors import MalformedPolicyDocument
from twostep.policy.stored.errors import NoSuchPolicy, PolicyInUse, PolicyLimitExceeded
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN
from twostep.roles.errors import (
    InvalidRoleInput,
    InvalidTrustPolicy,
    NoSuchRole,
    RoleAlreadyExists,
    RoleHasDependents,
    RoleLimitExceeded,
)
from twostep.sts.errors import (
    AssumeRoleDenied,
    InvalidSessionToken,
    MfaCodeInvalid,
    RoleDurationTooLong,
    SessionExpired,
)
from twostep.sts.models import AssumeRoleRequest


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, resource: str = "*") -> str:
    return document({"Effect": "Allow", "Action": action, "Resource": resource})


def trusting(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return document(statement)


@pytest.fixture
def root(services: Services) -> User:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    return root


@pytest.fixture
def alice(services: Services, root: User) -> User:
    return services.identity.create_user(root.account_id, "alice", actor=root)


def enrol(services: Services, clock: FrozenClock, user: User) -> tuple[str, bytes]:
    new = services.mfa.create_virtual_device(user.account_id, f"{user.name}-phone", actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    clock.advance(30)
    return new.device.serial, new.seed


def assume(services: Services, caller: Principal, role_arn: str, **kwargs: Any) -> Any:
    environment = kwargs.pop("environment", RequestEnvironment(services.clock.now()))
    request = AssumeRoleRequest(role_arn, kwargs.pop("session_name", "s1"), **kwargs)
    return services.sts.assume_role(caller, request, environment)


# -- roles ------------------------------------------------------------------------------------------------------


def test_create_get_list_and_delete(services: Services, root: User) -> None:
    account = root.account_id
    roles = services.roles
    created = roles.create_role(account, "Ops", trusting(account), actor=root, path="/team/", description="d")
    assert created.id.startswith("AROA") and len(created.id) == 21
    assert created.arn == f"arn:aws:iam::{account}:role/team/Ops"
    assert created.max_session_duration == 3600
    assert roles.role(account, "ops") == created  # names are case-insensitive
    with pytest.raises(RoleAlreadyExists):
        roles.create_role(account, "OPS", trusting(account), actor=root)
    roles.create_role(account, "auditor", trusting(account), actor=root, max_session_duration=43_200)
    assert [r.name for r in roles.roles(account)] == ["auditor", "Ops"]
    assert [r.name for r in roles.roles(account, "/team/")] == ["Ops"]
    roles.delete_role(account, "ops", actor=root)
    with pytest.raises(NoSuchRole, match="The role with name ops cannot be found"):
        roles.role(account, "ops")


def test_role_input_is_checked(services: Services, root: User, alice: User) -> None:
    account, roles = root.account_id, services.roles
    with pytest.raises(InvalidRoleInput):
        roles.create_role(account, "x", trusting(account), actor=root, max_session_duration=3599)
    with pytest.raises(InvalidRoleInput):
        roles.create_role(account, "bad name", trusting(account), actor=root)
    with pytest.raises(MalformedPolicyDocument, match="Missing required field Principal"):
        roles.create_role(account, "x", document({"Effect": "Allow", "Action": "sts:AssumeRole"}), actor=root)
    with pytest.raises(MalformedPolicyDocument, match="Has prohibited field Resource"):
        roles.create_role(account, "x", allow("sts:AssumeRole"), actor=root)
    with pytest.raises(InvalidTrustPolicy) as missing:
        roles.create_role(account, "x", trusting(f"arn:aws:iam::{account}:user/nobody"), actor=root)
    assert str(missing.value) == f'Invalid principal in policy: "AWS":"arn:aws:iam::{account}:user/nobody"'
    with pytest.raises(InvalidTrustPolicy):  # the user exists, but not at that path
        roles.create_role(account, "x", trusting(f"arn:aws:iam::{account}:user/ops/alice"), actor=root)
    roles.create_role(account, "x", trusting([alice.arn, "210987654321"]), actor=root)
    big = trusting([f"arn:aws:iam::{account}:root"] * 60)
    with pytest.raises(RoleLimitExceeded, match="ACLSizePerRole: 2048"):
        roles.update_trust_policy(account, "x", big, actor=root)


def test_role_policies_and_delete_conflicts(services: Services, root: User) -> None:
    account, roles = root.account_id, services.roles
    roles.create_role(account, "ops", trusting(account), actor=root)
    roles.policies.put(account, "ops", "list", allow("iam:ListUsers"), actor=root)
    assert roles.policies.names(account, "ops") == ["list"]
    with pytest.raises(NoSuchPolicy, match="The role policy with name none cannot be found"):
        roles.policies.get(account, "ops", "none")
    with pytest.raises(RoleHasDependents, match="must delete policies first"):
        roles.delete_role(account, "ops", actor=root)
    roles.policies.delete(account, "ops", "list", actor=root)
    roles.policies.attach(account, "ops", ADMINISTRATOR_ACCESS_ARN, actor=root)
    roles.policies.attach(account, "ops", ADMINISTRATOR_ACCESS_ARN, actor=root)  # twice: no change
    assert [p.arn for p in roles.policies.attached(account, "ops")] == [ADMINISTRATOR_ACCESS_ARN]
    assert services.policies.policy(account, ADMINISTRATOR_ACCESS_ARN).attachment_count == 1
    with pytest.raises(RoleHasDependents, match="must detach all policies first"):
        roles.delete_role(account, "ops", actor=root)
    managed = services.policies.create_policy(account, "mine", allow("iam:Get*"), actor=root)
    roles.policies.attach(account, "ops", managed.arn, actor=root)
    with pytest.raises(PolicyInUse):
        services.policies.delete_policy(account, managed.arn, actor=root)
    roles.policies.detach(account, "ops", managed.arn, actor=root)
    roles.policies.detach(account, "ops", ADMINISTRATOR_ACCESS_ARN, actor=root)
    roles.delete_role(account, "ops", actor=root)
    roles.create_role(account, "big", trusting(account), actor=root)
    statements = [{"Sid": f"s{i}", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"} for i in range(200)]
    with pytest.raises(PolicyLimitExceeded, match="Maximum policy size of 10240 bytes exceeded for role big"):
        roles.policies.put(account, "big", "p", document(*statements), actor=root)


# -- AssumeRole -------------------------------------------------------------------------------------------------


def test_assume_role_with_mfa(services: Services, clock: FrozenClock, root: User, alice: User) -> None:
    account = root.account_id
    serial, seed = enrol(services, clock, alice)
    role = services.roles.create_role(
        account, "ops", trusting(alice.arn, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}), actor=root
    )
    services.roles.policies.put(account, "ops", "list", allow("iam:ListUsers"), actor=root)
    with pytest.raises(AssumeRoleDenied) as refused:
        assume(services, alice, role.arn)
    assert (
        str(refused.value) == f"User: {alice.arn} is not authorized to perform: sts:AssumeRole on resource: {role.arn}"
    )
    code = code_at(seed, clock.now())
    assumed = assume(services, alice, role.arn, serial_number=serial, token_code=code, duration_seconds=900)
    issued = assumed.issued
    assert issued.access_key_id.startswith("ASIA") and issued.expiration == clock.now() + 900
    assert assumed.principal.assumed_role_id == f"{role.id}:s1"
    assert issued.credential.mfa_authenticated_at == clock.now() and issued.credential.mfa_serial == serial
    with pytest.raises(MfaCodeInvalid):  # the code is spent
        assume(services, alice, role.arn, serial_number=serial, token_code=code)
    resolved = services.sts.resolve(issued.access_key_id, issued.session_token)
    assert isinstance(resolved.principal, RoleSession)
    assert resolved.principal.arn == f"arn:aws:sts::{account}:assumed-role/ops/s1"
    assert resolved.principal.source_user_id == alice.id and not resolved.principal.is_root
    assert len(services.policies.policies_for(resolved.principal).policies) == 1  # the role's, not alice's
    clock.advance(900)
    with pytest.raises(SessionExpired):
        services.sts.resolve(issued.access_key_id, issued.session_token)


def test_durations_and_role_chaining(services: Services, clock: FrozenClock, root: User, alice: User) -> None:
    account = root.account_id
    first = services.roles.create_role(account, "first", trusting(alice.arn), actor=root, max_session_duration=7200)
    with pytest.raises(RoleDurationTooLong, match="MaxSessionDuration set for this role"):
        assume(services, alice, first.arn, duration_seconds=7201)
    assumed = assume(services, alice, first.arn, duration_seconds=7200)
    assert assumed.issued.expiration == clock.now() + 7200
    chained = assume(services, alice, first.arn).principal
    second = services.roles.create_role(account, "second", trusting(first.arn), actor=root)
    with pytest.raises(AssumeRoleDenied):  # alice herself is not trusted by the second role
        assume(services, alice, second.arn)
    environment = RequestEnvironment(clock.now(), temporary=True)
    with pytest.raises(RoleDurationTooLong, match="1 hour session limit"):
        assume(services, chained, second.arn, environment=environment, duration_seconds=3601)
    again = assume(services, chained, second.arn, environment=environment, session_name="s2")
    assert again.principal.arn == f"arn:aws:sts::{account}:assumed-role/second/s2"
    assert again.issued.credential.user_id == alice.id


def test_root_and_unknown_roles_are_refused(services: Services, root: User, alice: User) -> None:
    account = root.account_id
    role = services.roles.create_role(account, "ops", trusting("*"), actor=root)
    with pytest.raises(AssumeRoleDenied, match="Roles may not be assumed by root accounts"):
        assume(services, root, role.arn)
    for arn in (
        f"arn:aws:iam::{account}:role/nope",
        f"arn:aws:iam::{account}:role/other/ops",
        "arn:aws:iam::210987654321:role/ops",
    ):
        with pytest.raises(AssumeRoleDenied, match=f"on resource: {arn}$"):
            assume(services, alice, arn)


def test_account_trust_needs_an_identity_allow(services: Services, root: User, alice: User) -> None:
    account = root.account_id
    role = services.roles.create_role(account, "ops", trusting(account), actor=root)
    with pytest.raises(AssumeRoleDenied, match="because no identity-based policy allows the sts:AssumeRole action"):
        assume(services, alice, role.arn)
    services.policies.user_policies.put(account, "alice", "assume", allow("sts:AssumeRole", role.arn), actor=root)
    assume(services, alice, role.arn)


def test_deleting_the_role_ends_its_sessions(services: Services, root: User, alice: User) -> None:
    role = services.roles.create_role(root.account_id, "ops", trusting(alice.arn), actor=root)
    issued = assume(services, alice, role.arn).issued
    services.roles.delete_role(root.account_id, "ops", actor=root)
    with pytest.raises(InvalidSessionToken):
        services.sts.resolve(issued.access_key_id, issued.session_token)
