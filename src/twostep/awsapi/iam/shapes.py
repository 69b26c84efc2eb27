"""What IAM handlers share: the user an operation is about, and domain values as IAM's output shapes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from twostep.awsapi.context import CallContext
from twostep.awsapi.protocol.errors import iam_error
from twostep.identity.models import Tag, User


def named_user(context: CallContext, params: dict[str, Any], member: str = "UserName") -> User:
    """The user ``params[member]`` names in the caller's account, or the caller when it is omitted (as IAM does
    for ListAccessKeys, ListMFADevices, GetUser, ...). Another account's users are not found (S26)."""
    name = params.get(member)
    if name is None:
        return caller_as_user(context)
    return context.user_named(name)


def caller_as_user(context: CallContext) -> User:
    """The caller as the subject of a user operation; a role session is no user (IAM answers so)."""
    user = context.caller.user
    if user is None:
        raise iam_error("ValidationError", "Must specify userName when calling with non-User credentials")
    return user


def target_name(context: CallContext, params: dict[str, Any]) -> str:
    """``UserName``, or the caller's own name when omitted."""
    name = params.get("UserName")
    return caller_as_user(context).name if name is None else str(name)


def user_shape(user: User, *, with_tags: bool = False) -> dict[str, Any]:
    """IAM's ``User``. The root user has no UserName; its UserId is the account id, as IAM answers for root."""
    shape: dict[str, Any] = {
        "Path": user.path,
        "UserName": None if user.is_root else user.name,
        "UserId": user.account_id if user.is_root else user.id,
        "Arn": user.arn,
        "CreateDate": user.created_at,
        "PasswordLastUsed": user.password_last_used,
    }
    if with_tags and user.tags:
        shape["Tags"] = tags_out(user.tags)
    return shape


def listed_user_name(user: User) -> str | None:
    """UserName in list entries (access keys, MFA devices); None for the root user."""
    return None if user.is_root else user.name


def tags_in(raw: Iterable[dict[str, Any]] | None) -> tuple[Tag, ...]:
    return tuple(Tag(str(t["Key"]), str(t.get("Value", ""))) for t in raw or ())


def tags_out(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"Key": t.key, "Value": t.value} for t in tags]


def quoted_document(document: str) -> str:
    """IAM returns policy documents URL-encoded; botocore decodes them back into dicts."""
    return quote(document, safe="")
