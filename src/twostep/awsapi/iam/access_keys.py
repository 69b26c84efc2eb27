"""CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey: UserName omitted means the caller."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import listed_user_name, named_user
from twostep.awsapi.protocol.paging import paginate


def create_access_key(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_user(context, params)
    new = context.services.identity.create_access_key(user, actor=context.caller.principal)
    return {
        "AccessKey": {
            "UserName": listed_user_name(user),
            "AccessKeyId": new.key.id,
            "Status": new.key.status,
            "SecretAccessKey": new.secret_access_key,  # this once, never again
            "CreateDate": new.key.created_at,
        }
    }


def list_access_keys(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_user(context, params)
    keys = context.services.identity.access_keys(user)
    page = paginate(keys, lambda key: f"{key.created_at:020.6f}/{key.id}", params)
    metadata = [
        {"UserName": listed_user_name(user), "AccessKeyId": k.id, "Status": k.status, "CreateDate": k.created_at}
        for k in page.items
    ]
    return {"AccessKeyMetadata": metadata, **page.fields}


def update_access_key(context: CallContext, params: dict[str, Any]) -> None:
    user = named_user(context, params)
    context.services.identity.update_access_key(
        user, params["AccessKeyId"], params["Status"], actor=context.caller.principal
    )


def delete_access_key(context: CallContext, params: dict[str, Any]) -> None:
    user = named_user(context, params)
    context.services.identity.delete_access_key(user, params["AccessKeyId"], actor=context.caller.principal)


HANDLERS = {
    "CreateAccessKey": create_access_key,
    "ListAccessKeys": list_access_keys,
    "UpdateAccessKey": update_access_key,
    "DeleteAccessKey": delete_access_key,
}
