"""Groups: CreateGroup, GetGroup (with its users), ListGroups, DeleteGroup, AddUserToGroup, RemoveUserFromGroup,
ListGroupsForUser, and the group's permissions (PutGroupPolicy, GetGroupPolicy, ListGroupPolicies,
DeleteGroupPolicy, AttachGroupPolicy, DetachGroupPolicy, ListAttachedGroupPolicies)."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import quoted_document, user_shape
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
        context.caller.account_id, params["GroupName"], actor=context.caller.user, path=params.get("Path") or "/"
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
    context.services.groups.delete_group(context.caller.account_id, params["GroupName"], actor=context.caller.user)


def add_user_to_group(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.add_user(
        context.caller.account_id, params["GroupName"], params["UserName"], actor=context.caller.user
    )


def remove_user_from_group(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.remove_user(
        context.caller.account_id, params["GroupName"], params["UserName"], actor=context.caller.user
    )


def list_groups_for_user(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    groups = context.services.groups.groups_for_user(context.caller.account_id, params["UserName"])
    page = paginate(groups, lambda group: group.name.lower(), params)
    return {"Groups": [group_shape(group) for group in page.items], **page.fields}


# -- the group's permissions --------------------------------------------------------------------------------------


def put_group_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.put_group_policy(
        context.caller.account_id,
        params["GroupName"],
        params["PolicyName"],
        params["PolicyDocument"],
        actor=context.caller.user,
    )


def get_group_policy(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    group, policy = context.services.groups.group_policy(
        context.caller.account_id, params["GroupName"], params["PolicyName"]
    )
    return {"GroupName": group.name, "PolicyName": policy.name, "PolicyDocument": quoted_document(policy.document)}


def list_group_policies(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    names = context.services.groups.group_policy_names(context.caller.account_id, params["GroupName"])
    page = paginate(names, str, params)
    return {"PolicyNames": page.items, **page.fields}


def delete_group_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.delete_group_policy(
        context.caller.account_id, params["GroupName"], params["PolicyName"], actor=context.caller.user
    )


def attach_group_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.attach_group_policy(
        context.caller.account_id, params["GroupName"], params["PolicyArn"], actor=context.caller.user
    )


def detach_group_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.groups.detach_group_policy(
        context.caller.account_id, params["GroupName"], params["PolicyArn"], actor=context.caller.user
    )


def list_attached_group_policies(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    attached = context.services.groups.attached_policies(
        context.caller.account_id, params["GroupName"], params.get("PathPrefix") or "/"
    )
    page = paginate(attached, lambda policy: policy.arn, params)
    entries = [{"PolicyName": policy.name, "PolicyArn": policy.arn} for policy in page.items]
    return {"AttachedPolicies": entries, **page.fields}


HANDLERS = {
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "ListGroups": list_groups,
    "DeleteGroup": delete_group,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "ListGroupsForUser": list_groups_for_user,
    "PutGroupPolicy": put_group_policy,
    "GetGroupPolicy": get_group_policy,
    "ListGroupPolicies": list_group_policies,
    "DeleteGroupPolicy": delete_group_policy,
    "AttachGroupPolicy": attach_group_policy,
    "DetachGroupPolicy": detach_group_policy,
    "ListAttachedGroupPolicies": list_attached_group_policies,
}
