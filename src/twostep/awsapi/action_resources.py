"""The resource each IAM and STS action is authorized against: one table, read by the policy check.

Service Authorization Reference, "Actions, resources, and condition keys for AWS Identity and Access
Management" and "... for AWS Security Token Service": an action names a resource type (user, group, role,
policy, mfa) or none, which means "*". IAM ARNs carry the entity's path: ``arn:aws:iam::ACCOUNT:user/ops/alice``.
AWS reports the listing actions against the path prefix they list (``... iam:ListUsers on resource:
arn:aws:iam::123456789012:user/``), and defaults an omitted UserName to the caller.

An action missing from the table is decided against the first entity its parameters name (UserName,
GroupName, RoleName, PolicyArn, SerialNumber), else "*".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.policy.language.evaluator import ContextValue

Kind = Literal["user", "group", "role", "policy", "mfa", "*"]
How = Literal["name", "new", "prefix", "arn", "key", "caller"]


@dataclass(frozen=True)
class Target:
    """``kind`` of resource, found from parameter ``param`` as: ``name`` of an existing entity (the caller when
    the parameter is absent, for users), ``new`` entity (name plus the Path parameter), path ``prefix`` of a
    listing, an ``arn`` given as is, the owner of an access ``key``, or always the ``caller``."""

    kind: Kind
    param: str | None = None
    how: How = "name"


ANY = Target("*")
USER = Target("user", "UserName")
CALLER = Target("user", how="caller")
GROUP = Target("group", "GroupName")
ROLE = Target("role", "RoleName")
POLICY = Target("policy", "PolicyArn", "arn")
MFA = Target("mfa", "SerialNumber", "arn")

IAM_ACTIONS: dict[str, Target] = {
    # users, login profiles, access keys
    "CreateUser": Target("user", "UserName", "new"),
    "GetUser": USER,
    "UpdateUser": USER,
    "DeleteUser": USER,
    "ListUsers": Target("user", "PathPrefix", "prefix"),
    "TagUser": USER,
    "UntagUser": USER,
    "ListUserTags": USER,
    "ChangePassword": CALLER,
    "CreateLoginProfile": USER,
    "GetLoginProfile": USER,
    "UpdateLoginProfile": USER,
    "DeleteLoginProfile": USER,
    "CreateAccessKey": USER,
    "ListAccessKeys": USER,
    "UpdateAccessKey": USER,
    "DeleteAccessKey": USER,
    "GetAccessKeyLastUsed": Target("user", "AccessKeyId", "key"),
    # MFA: enabling, resyncing and listing act on the user; creating, deleting and tagging on the device
    "CreateVirtualMFADevice": Target("mfa", "VirtualMFADeviceName", "new"),
    "DeleteVirtualMFADevice": MFA,
    "ListVirtualMFADevices": ANY,
    "EnableMFADevice": USER,
    "ResyncMFADevice": USER,
    "DeactivateMFADevice": USER,
    "ListMFADevices": USER,
    "GetMFADevice": USER,
    "TagMFADevice": MFA,
    "UntagMFADevice": MFA,
    "ListMFADeviceTags": MFA,
    # user policies
    "PutUserPolicy": USER,
    "GetUserPolicy": USER,
    "DeleteUserPolicy": USER,
    "ListUserPolicies": USER,
    "AttachUserPolicy": USER,
    "DetachUserPolicy": USER,
    "ListAttachedUserPolicies": USER,
    "ListGroupsForUser": USER,
    # managed policies
    "CreatePolicy": Target("policy", "PolicyName", "new"),
    "GetPolicy": POLICY,
    "DeletePolicy": POLICY,
    "ListPolicies": Target("policy", "PathPrefix", "prefix"),
    "CreatePolicyVersion": POLICY,
    "GetPolicyVersion": POLICY,
    "DeletePolicyVersion": POLICY,
    "ListPolicyVersions": POLICY,
    "SetDefaultPolicyVersion": POLICY,
    "ListEntitiesForPolicy": POLICY,
    "TagPolicy": POLICY,
    "UntagPolicy": POLICY,
    "ListPolicyTags": POLICY,
    # groups
    "CreateGroup": Target("group", "GroupName", "new"),
    "GetGroup": GROUP,
    "UpdateGroup": GROUP,
    "DeleteGroup": GROUP,
    "ListGroups": Target("group", "PathPrefix", "prefix"),
    "AddUserToGroup": GROUP,
    "RemoveUserFromGroup": GROUP,
    "PutGroupPolicy": GROUP,
    "GetGroupPolicy": GROUP,
    "DeleteGroupPolicy": GROUP,
    "ListGroupPolicies": GROUP,
    "AttachGroupPolicy": GROUP,
    "DetachGroupPolicy": GROUP,
    "ListAttachedGroupPolicies": GROUP,
    # roles
    "CreateRole": Target("role", "RoleName", "new"),
    "GetRole": ROLE,
    "UpdateRole": ROLE,
    "DeleteRole": ROLE,
    "ListRoles": Target("role", "PathPrefix", "prefix"),
    "UpdateAssumeRolePolicy": ROLE,
    "PutRolePolicy": ROLE,
    "GetRolePolicy": ROLE,
    "DeleteRolePolicy": ROLE,
    "ListRolePolicies": ROLE,
    "AttachRolePolicy": ROLE,
    "DetachRolePolicy": ROLE,
    "ListAttachedRolePolicies": ROLE,
    "TagRole": ROLE,
    "UntagRole": ROLE,
    "ListRoleTags": ROLE,
    # the account as a whole
    "GetAccountSummary": ANY,
    "GetAccountAuthorizationDetails": ANY,
    "GenerateCredentialReport": ANY,
    "GetCredentialReport": ANY,
    "GetAccountPasswordPolicy": ANY,
    "UpdateAccountPasswordPolicy": ANY,
    "DeleteAccountPasswordPolicy": ANY,
    "ListAccountAliases": ANY,
    "CreateAccountAlias": ANY,
    "DeleteAccountAlias": ANY,
}

STS_ACTIONS: dict[str, Target] = {
    "AssumeRole": Target("role", "RoleArn", "arn"),
    "GetAccessKeyInfo": ANY,
    "DecodeAuthorizationMessage": ANY,
}

# STS API reference: these need no permission, and no policy (not even an explicit Deny) can refuse them.
NO_PERMISSION_NEEDED: frozenset[tuple[str, str]] = frozenset({("sts", "GetSessionToken"), ("sts", "GetCallerIdentity")})
# Decided by the operation itself, with the same identity policies and the resource's own policy: AssumeRole
# weighs the caller's policies together with the role's trust policy (twostep.roles.trust), which can allow a
# caller it names directly without any identity-based Allow.
DECIDED_BY_OPERATION: frozenset[tuple[str, str]] = frozenset({("sts", "AssumeRole")})

_FALLBACK_ORDER: tuple[Target, ...] = (USER, GROUP, ROLE, POLICY, MFA)
_POLICY_ARN_ACTIONS = frozenset(
    f"{verb}{entity}Policy" for verb in ("Attach", "Detach") for entity in ("User", "Group", "Role")
)


@dataclass(frozen=True)
class Directory:
    """What resolving a resource needs to know about the caller's account."""

    account_id: str
    caller: Principal
    find_user: Callable[[str], User | None]  # by name, in this account
    find_key_owner: Callable[[str], User | None]  # by access key id, in this account
    find_arn: Callable[[str, str], str | None] = lambda kind, name: None  # a role's or group's ARN, with its path


def target_for(service: str, action: str, params: Mapping[str, Any]) -> Target:
    table = IAM_ACTIONS if service == "iam" else STS_ACTIONS
    found = table.get(action)
    if found is not None:
        return found
    for candidate in _FALLBACK_ORDER:
        if candidate.param in params:
            return candidate
    return ANY


def resource_arn(service: str, action: str, params: Mapping[str, Any], directory: Directory) -> str:
    """The ARN (or "*") that ``service:action`` with these parameters is authorized against."""
    target = target_for(service, action, params)
    if target.how == "caller":
        return directory.caller.arn
    if target.kind == "*" or target.param is None:
        return "*"
    value = params.get(target.param)
    base = f"arn:aws:iam::{directory.account_id}:{target.kind}"
    if target.how == "arn":
        return str(value) if value else "*"
    if target.how == "prefix":
        return base + str(value or "/")
    if target.how == "new":
        return base + str(params.get("Path") or "/") + str(value)
    if target.how == "key":
        owner = directory.find_key_owner(str(value)) if value else None
        return (owner or directory.caller).arn
    if value is None:
        return directory.caller.arn if target.kind == "user" else "*"
    if target.kind == "user":
        existing = directory.find_user(str(value))
        if existing is not None:
            return existing.arn
    elif target.kind in ("role", "group"):
        found = directory.find_arn(target.kind, str(value))
        if found is not None:
            return found
    return f"{base}/{value}"


def condition_keys(service: str, action: str, params: Mapping[str, Any]) -> dict[str, ContextValue]:
    """Service-specific keys: iam:PolicyARN on attaching and detaching managed policies."""
    if service == "iam" and action in _POLICY_ARN_ACTIONS and params.get("PolicyArn"):
        return {"iam:PolicyARN": str(params["PolicyArn"])}
    return {}
