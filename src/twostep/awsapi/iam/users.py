"""CreateUser, GetUser, ListUsers, DeleteUser, and the user's tags (TagUser, UntagUser, ListUserTags)."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import named_user, tags_in, tags_out, user_shape
from twostep.awsapi.protocol.errors import iam_error
from twostep.awsapi.protocol.paging import paginate


def create_user(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("PermissionsBoundary") is not None:
        raise iam_error("InvalidInput", "twostep does not support permissions boundaries.")
    user = context.services.identity.create_user(
        context.caller.account_id,
        params["UserName"],
        actor=context.caller.principal,
        path=params.get("Path") or "/",
        tags=tags_in(params.get("Tags")),
    )
    return {"User": user_shape(user, with_tags=True)}


def get_user(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"User": user_shape(named_user(context, params), with_tags=True)}


def list_users(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    users = context.services.identity.users(context.caller.account_id, params.get("PathPrefix") or "/")
    page = paginate(users, lambda user: user.name.lower(), params)
    return {"Users": [user_shape(user) for user in page.items], **page.fields}


def delete_user(context: CallContext, params: dict[str, Any]) -> None:
    context.services.identity.delete_user(context.caller.account_id, params["UserName"], actor=context.caller.principal)


def tag_user(context: CallContext, params: dict[str, Any]) -> None:
    context.services.identity.add_user_tags(
        context.caller.account_id, params["UserName"], tags_in(params["Tags"]), actor=context.caller.principal
    )


def untag_user(context: CallContext, params: dict[str, Any]) -> None:
    context.services.identity.remove_user_tags(
        context.caller.account_id, params["UserName"], tuple(params["TagKeys"]), actor=context.caller.principal
    )


def list_user_tags(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = context.user_named(params["UserName"])
    page = paginate(user.tags, lambda tag: tag.key.lower(), params)
    return {"Tags": tags_out(page.items), **page.fields}


HANDLERS = {
    "CreateUser": create_user,
    "GetUser": get_user,
    "ListUsers": list_users,
    "DeleteUser": delete_user,
    "TagUser": tag_user,
    "UntagUser": untag_user,
    "ListUserTags": list_user_tags,
}
