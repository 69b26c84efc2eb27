"""Identity policies over IAM: managed policies, and the users' own (PutUserPolicy, ...,
ListAttachedUserPolicies: owned_policies.py).

Documents are validated on the way in (MalformedPolicyDocument) and returned URL-encoded, as IAM does; botocore
decodes them back into dicts. Enforcement is the authorizer's business, which reads them through policies_for().
"""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.owned_policies import owned_policy_handlers
from twostep.awsapi.iam.shapes import quoted_document
from twostep.awsapi.protocol.errors import iam_error
from twostep.awsapi.protocol.paging import paginate
from twostep.policy.stored.models import ManagedPolicy


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


# -- managed policies ---------------------------------------------------------------------------------------------


def create_policy(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("Tags"):
        raise iam_error("InvalidInput", "twostep does not store tags on policies.")
    policy = context.services.policies.create_policy(
        context.caller.account_id,
        params["PolicyName"],
        params["PolicyDocument"],
        actor=context.caller.principal,
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
    context.services.policies.delete_policy(
        context.caller.account_id, params["PolicyArn"], actor=context.caller.principal
    )


HANDLERS = {
    **owned_policy_handlers("User", lambda services: services.policies.user_policies),
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "GetPolicyVersion": get_policy_version,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
}
