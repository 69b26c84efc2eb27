"""Groups: CreateGroup, GetGroup (with its users), ListGroups, DeleteGroup, AddUserToGroup, RemoveUserFromGroup,
ListGroupsForUser, and the group's permissions (PutGroupPolicy, ..., ListAttachedGroupPolicies: owned_policies.py)."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.owned_policies import owned_policy_handlers
from twostep.awsapi.iam.shapes import user_shape
from twostep.awsapi.protocol.paging import paginate
from twostep.groups.models import Group


def group_shape(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.created_at,
    }


def create_group(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    group = context.services.groups.create_group(
        context.caller.account_id, params["GroupName"], actor=context.caller.principal, path=params.get("Path") or "/"
    )
    return {"Group": group_shape(group)}


def get_group(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    group, members = context.services.groups.group_with_members(context.caller.account_id, params["GroupName"])
    page = paginate(members, lambda user: user.name.lower(), params)
    return {"Group": group_shape(group), "Users": [user_shape(user) for user in page.items], **page.fields}


def list_groups(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    groups = context.services.groups.groups(context.caller.account_id, params.get("PathPrefix") or "/")
    page = paginate(groups, lambda group: group.name.lower(), params)
    return {"Groups": [group_shape(group) for group in page.items], **page.fields}


def delete_group(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.delete_group(context.caller.account_id, params["GroupName"], actor=context.caller.principal)


def add_user_to_group(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.add_user(
        context.caller.account_id, params["GroupName"], params["UserName"], actor=context.caller.principal
    )


def remove_user_from_group(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.remove_user(
        context.caller.account_id, params["GroupName"], params["UserName"], actor=context.caller.principal
    )


def list_groups_for_user(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    groups = context.services.groups.groups_for_user(context.caller.account_id, params["UserName"])
    page = paginate(groups, lambda group: group.name.lower(), params)
    return {"Groups": [group_shape(group) for group in page.items], **page.fields}


HANDLERS = {
    **owned_policy_handlers("Group", lambda services: services.groups.policies),
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "ListGroups": list_groups,
    "DeleteGroup": delete_group,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "ListGroupsForUser": list_groups_for_user,
}
