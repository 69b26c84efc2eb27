"""The policies a user, a group or a role owns, over IAM: the same seven operations for each kind of owner.

Put{Kind}Policy, Get{Kind}Policy, List{Kind}Policies, Delete{Kind}Policy, Attach{Kind}Policy,
Detach{Kind}Policy and ListAttached{Kind}Policies name their owner with ``{Kind}Name``. Documents are validated on
the way in (MalformedPolicyDocument) and returned URL-encoded, as IAM does; botocore decodes them back into dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.iam.shapes import quoted_document
from twostep.awsapi.protocol.paging import paginate
from twostep.bootstrap import Services
from twostep.policy.stored.owned import OwnedPolicies


def owned_policy_handlers(kind: str, component: Callable[[Services], OwnedPolicies]) -> dict[str, Handler]:
    """The seven handlers of one kind of owner (``kind`` as IAM spells it: User, Group, Role)."""
    owner = f"{kind}Name"

    def put(context: CallContext, params: dict[str, Any]) -> None:
        component(context.services).put(
            context.caller.account_id,
            params[owner],
            params["PolicyName"],
            params["PolicyDocument"],
            actor=context.caller.principal,
        )

    def get(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
        found, policy = component(context.services).get(context.caller.account_id, params[owner], params["PolicyName"])
        return {owner: found.name, "PolicyName": policy.name, "PolicyDocument": quoted_document(policy.document)}

    def list_names(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
        names = component(context.services).names(context.caller.account_id, params[owner])
        page = paginate(names, str, params)
        return {"PolicyNames": page.items, **page.fields}

    def delete(context: CallContext, params: dict[str, Any]) -> None:
        component(context.services).delete(
            context.caller.account_id, params[owner], params["PolicyName"], actor=context.caller.principal
        )

    def attach(context: CallContext, params: dict[str, Any]) -> None:
        component(context.services).attach(
            context.caller.account_id, params[owner], params["PolicyArn"], actor=context.caller.principal
        )

    def detach(context: CallContext, params: dict[str, Any]) -> None:
        component(context.services).detach(
            context.caller.account_id, params[owner], params["PolicyArn"], actor=context.caller.principal
        )

    def list_attached(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
        attached = component(context.services).attached(
            context.caller.account_id, params[owner], params.get("PathPrefix") or "/"
        )
        page = paginate(attached, lambda policy: policy.arn, params)
        entries = [{"PolicyName": policy.name, "PolicyArn": policy.arn} for policy in page.items]
        return {"AttachedPolicies": entries, **page.fields}

    return {
        f"Put{kind}Policy": put,
        f"Get{kind}Policy": get,
        f"List{kind}Policies": list_names,
        f"Delete{kind}Policy": delete,
        f"Attach{kind}Policy": attach,
        f"Detach{kind}Policy": detach,
        f"ListAttached{kind}Policies": list_attached,
    }
