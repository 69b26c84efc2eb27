"""Roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, role tags, and the role's
permissions (PutRolePolicy, ..., ListAttachedRolePolicies: owned_policies.py). Trust policies are returned
URL-encoded, as IAM does; botocore decodes them back into dicts."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.owned_policies import owned_policy_handlers
from twostep.awsapi.iam.shapes import quoted_document, tags_in, tags_out
from twostep.awsapi.protocol.errors import iam_error
from twostep.awsapi.protocol.paging import paginate
from twostep.roles.models import Role


def role_shape(role: Role, *, detailed: bool = False) -> dict[str, Any]:
    """IAM's ``Role``; GetRole and CreateRole add its tags and RoleLastUsed (twostep does not track last use)."""
    shape: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": quoted_document(role.trust_policy),
        "Description": role.description,
        "MaxSessionDuration": role.max_session_duration,
    }
    if detailed:
        if role.tags:
            shape["Tags"] = tags_out(role.tags)
        shape["RoleLastUsed"] = {}
    return shape


def create_role(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("PermissionsBoundary") is not None:
        raise iam_error("InvalidInput", "twostep does not support permissions boundaries.")
    role = context.services.roles.create_role(
        context.caller.account_id,
        params["RoleName"],
        params["AssumeRolePolicyDocument"],
        actor=context.caller.principal,
        path=params.get("Path") or "/",
        description=params.get("Description"),
        max_session_duration=params.get("MaxSessionDuration"),
        tags=tags_in(params.get("Tags")),
    )
    return {"Role": role_shape(role, detailed=True)}


def get_role(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    role = context.services.roles.role(context.caller.account_id, params["RoleName"])
    return {"Role": role_shape(role, detailed=True)}


def list_roles(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    roles = context.services.roles.roles(context.caller.account_id, params.get("PathPrefix") or "/")
    page = paginate(roles, lambda role: role.name.lower(), params)
    return {"Roles": [role_shape(role) for role in page.items], **page.fields}


def delete_role(context: CallContext, params: dict[str, Any]) -> None:
    context.services.roles.delete_role(context.caller.account_id, params["RoleName"], actor=context.caller.principal)


def update_assume_role_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.roles.update_trust_policy(
        context.caller.account_id, params["RoleName"], params["PolicyDocument"], actor=context.caller.principal
    )


def tag_role(context: CallContext, params: dict[str, Any]) -> None:
    context.services.roles.add_tags(
        context.caller.account_id, params["RoleName"], tags_in(params["Tags"]), actor=context.caller.principal
    )


def untag_role(context: CallContext, params: dict[str, Any]) -> None:
    context.services.roles.remove_tags(
        context.caller.account_id, params["RoleName"], tuple(params["TagKeys"]), actor=context.caller.principal
    )


def list_role_tags(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    role = context.services.roles.role(context.caller.account_id, params["RoleName"])
    page = paginate(role.tags, lambda tag: tag.key.lower(), params)
    return {"Tags": tags_out(page.items), **page.fields}


HANDLERS = {
    **owned_policy_handlers("Role", lambda services: services.roles.policies),
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "DeleteRole": delete_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
    "TagRole": tag_role,
    "UntagRole": untag_role,
    "ListRoleTags": list_role_tags,
}
