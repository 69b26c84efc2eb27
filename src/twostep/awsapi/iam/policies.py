"""Identity policies over IAM: inline user policies, managed policies, attachments.

Documents are validated on the way in (MalformedPolicyDocument) and returned URL-encoded, as IAM does; botocore
decodes them back into dicts. Enforcement is the authorizer's business, which reads them through policies_for().
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import quoted_document
from twostep.awsapi.protocol.errors import iam_error
from twostep.awsapi.protocol.paging import paginate
from twostep.policy.managed import ManagedPolicy


def _policy_shape(policy: ManagedPolicy, *, with_description: bool = False) -> dict[str, Any]:
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": policy.description if with_description else None,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }


# -- inline user policies -----------------------------------------------------------------------------------------


def put_user_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.policies.put_user_policy(
        context.caller.account_id,
        params["UserName"],
        params["PolicyName"],
        params["PolicyDocument"],
        actor=context.caller.user,
    )


def get_user_policy(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user, policy = context.services.policies.user_policy(
        context.caller.account_id, params["UserName"], params["PolicyName"]
    )
    return {"UserName": user.name, "PolicyName": policy.name, "PolicyDocument": quoted_document(policy.document)}


def list_user_policies(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    names = context.services.policies.user_policy_names(context.caller.account_id, params["UserName"])
    page = paginate(names, str, params)
    return {"PolicyNames": page.items, **page.fields}


def delete_user_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.policies.delete_user_policy(
        context.caller.account_id, params["UserName"], params["PolicyName"], actor=context.caller.user
    )


# -- managed policies ---------------------------------------------------------------------------------------------


def create_policy(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("Tags"):
        raise iam_error("InvalidInput", "twostep does not store tags on policies.")
    policy = context.services.policies.create_policy(
        context.caller.account_id,
        params["PolicyName"],
        params["PolicyDocument"],
        actor=context.caller.user,
        path=params.get("Path") or "/",
        description=params.get("Description"),
    )
    return {"Policy": _policy_shape(policy)}


def get_policy(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    policy = context.services.policies.policy(context.caller.account_id, params["PolicyArn"])
    return {"Policy": _policy_shape(policy, with_description=True)}


def get_policy_version(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn, version = params["PolicyArn"], params["VersionId"]
    policy = context.services.policies.policy(context.caller.account_id, arn)
    if version != policy.default_version_id:  # twostep keeps one version per policy
        raise iam_error("NoSuchEntity", f"Policy {arn} version {version} does not exist or is not attachable.")
    return {
        "PolicyVersion": {
            "Document": quoted_document(policy.document),
            "VersionId": policy.default_version_id,
            "IsDefaultVersion": True,
            "CreateDate": policy.updated_at,
        }
    }


def list_policies(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("PolicyUsageFilter") == "PermissionsBoundary":
        found: list[ManagedPolicy] = []  # twostep has no permissions boundaries
    else:
        found = context.services.policies.policies(
            context.caller.account_id,
            scope=params.get("Scope") or "All",
            only_attached=bool(params.get("OnlyAttached")),
            path_prefix=params.get("PathPrefix") or "/",
        )
    page = paginate(found, lambda policy: policy.arn, params)
    return {"Policies": [_policy_shape(policy) for policy in page.items], **page.fields}


def delete_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.policies.delete_policy(context.caller.account_id, params["PolicyArn"], actor=context.caller.user)


# -- attachments --------------------------------------------------------------------------------------------------


def attach_user_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.policies.attach_user_policy(
        context.caller.account_id, params["UserName"], params["PolicyArn"], actor=context.caller.user
    )


def detach_user_policy(context: CallContext, params: dict[str, Any]) -> None:
    context.services.policies.detach_user_policy(
        context.caller.account_id, params["UserName"], params["PolicyArn"], actor=context.caller.user
    )


def list_attached_user_policies(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    attached = context.services.policies.attached_policies(
        context.caller.account_id, params["UserName"], params.get("PathPrefix") or "/"
    )
    page = paginate(attached, lambda policy: policy.arn, params)
    entries = [{"PolicyName": policy.name, "PolicyArn": policy.arn} for policy in page.items]
    return {"AttachedPolicies": entries, **page.fields}


HANDLERS = {
    "PutUserPolicy": put_user_policy,
    "GetUserPolicy": get_user_policy,
    "ListUserPolicies": list_user_policies,
    "DeleteUserPolicy": delete_user_policy,
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "GetPolicyVersion": get_policy_version,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
    "AttachUserPolicy": attach_user_policy,
    "DetachUserPolicy": detach_user_policy,
    "ListAttachedUserPolicies": list_attached_user_policies,
}
