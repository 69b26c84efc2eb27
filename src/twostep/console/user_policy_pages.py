"""A user's permissions, changed from the user's page: groups (add to, remove from), managed policies (attach,
detach) and inline policies (create, edit, delete). An inline policy's JSON goes through the same validation as
PutUserPolicy; a refused document is shown again with IAM's MalformedPolicyDocument message under it, unchanged.

Each action is decided as the API action it stands for (user_authorization.py): AddUserToGroup and
RemoveUserFromGroup on the group's ARN, AttachUserPolicy and DetachUserPolicy on the user's with iam:PolicyARN,
PutUserPolicy and DeleteUserPolicy on the user's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.console.user_authorization import refusal
from twostep.console.user_detail_pages import acting_on, change_user, detail_page, signed_in_user, user_url
from twostep.groups.errors import GroupError
from twostep.identity.models import User
from twostep.policy.language.errors import MalformedPolicyDocument
from twostep.policy.stored.errors import NoSuchPolicy, PolicyStoreError
from twostep.signin.models import CurrentSession

# Twice IAM's 2,048 characters per user (white space is not counted, and a pretty-printed document has much).
DOCUMENT_LIMIT = 10240
NEW_POLICY = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "",\n      "Resource": "*"\n    }\n  ]\n}'  # noqa: E501
NAME_TAKEN = N_("This user already has an inline policy with this name. Choose another name, or edit that one.")
MALFORMED = N_("The policy document was refused (MalformedPolicyDocument): %(message)s")


def routes(console: Console) -> list[BaseRoute]:
    user = "/users/{name}"
    return [
        route(console, user + "/groups/add", post=add_to_group),
        route(console, user + "/groups/remove", post=remove_from_group),
        route(console, user + "/policies/attach", post=attach_policy),
        route(console, user + "/policies/detach", post=detach_policy),
        route(console, user + "/policies/inline", get=show_inline_policy, post=save_inline_policy),
        route(console, user + "/policies/inline/delete", post=delete_inline_policy),
    ]


# -- groups -----------------------------------------------------------------------------------------------------


def _membership(console: Console, request: Request, form: Form, action: str, notice: str) -> Response:
    group = form.text("group", strip=True)
    groups = console.services.groups
    change = groups.add_user if action == "AddUserToGroup" else groups.remove_user
    return change_user(
        console,
        request,
        form,
        action,
        lambda user: {"GroupName": group},
        lambda current, user: change(user.account_id, group, user.name, actor=current.user),
        notice,
        (GroupError,),
    )


def add_to_group(console: Console, request: Request, form: Form) -> Response:
    return _membership(console, request, form, "AddUserToGroup", "group-added")


def remove_from_group(console: Console, request: Request, form: Form) -> Response:
    return _membership(console, request, form, "RemoveUserFromGroup", "group-removed")


# -- managed policies -------------------------------------------------------------------------------------------


def _attachment(console: Console, request: Request, form: Form, action: str, notice: str) -> Response:
    arn = form.text("policy_arn", strip=True)
    owned = console.services.policies.user_policies
    change = owned.attach if action == "AttachUserPolicy" else owned.detach
    return change_user(
        console,
        request,
        form,
        action,
        lambda user: {"PolicyArn": arn},
        lambda current, user: change(user.account_id, user.name, arn, actor=current.user),
        notice,
        (PolicyStoreError,),
    )


def attach_policy(console: Console, request: Request, form: Form) -> Response:
    return _attachment(console, request, form, "AttachUserPolicy", "policy-attached")


def detach_policy(console: Console, request: Request, form: Form) -> Response:
    return _attachment(console, request, form, "DetachUserPolicy", "policy-detached")


# -- inline policies --------------------------------------------------------------------------------------------


def inline_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    user: User,
    *,
    name: str,
    document: str,
    existing: bool,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {"user": user, "user_url": user_url, "name": name, "document": document, "existing": existing}
    return console.render(request, "user_inline_policy.html", context, current=current, status=status, error=error)


def show_inline_policy(console: Console, request: Request) -> Response:
    """The editor: an existing policy (?policy=NAME, GetUserPolicy) or a new one."""
    current, user = signed_in_user(console, request)
    name = request.query_params.get("policy", "")
    if not name:
        return inline_page(console, request, current, user, name="", document=NEW_POLICY, existing=False)
    refused = refusal(console, request, current, "GetUserPolicy", {"UserName": user.name, "PolicyName": name})
    if refused:
        return detail_page(console, request, current, user, error=refused, status=403)
    try:
        _, policy = console.services.policies.user_policies.get(user.account_id, user.name, name)
    except NoSuchPolicy as failure:
        return detail_page(console, request, current, user, error=console.error(request, failure), status=404)
    return inline_page(console, request, current, user, name=name, document=policy.document, existing=True)


def save_inline_policy(console: Console, request: Request, form: Form) -> Response:
    """PutUserPolicy: a refused document stays in the editor, with the reason under it."""
    current, user = acting_on(console, request, form)
    name = form.text("policy_name", strip=True)
    document = form.text("document", limit=DOCUMENT_LIMIT)
    existing = form.text("existing") == "on"
    refused = refusal(console, request, current, "PutUserPolicy", {"UserName": user.name, "PolicyName": name})
    if refused:
        return inline_page(
            console, request, current, user, name=name, document=document, existing=existing, error=refused, status=403
        )
    owned = console.services.policies.user_policies
    try:
        if not existing and name in owned.names(user.account_id, user.name):
            error = console.gettext(request, NAME_TAKEN)
        else:
            owned.put(user.account_id, user.name, name, document, actor=current.user)
            return redirect(user_url(user.name) + "?notice=inline-policy-saved")
    except (MalformedPolicyDocument, PolicyStoreError) as failure:
        error = console.error(request, failure)
        if type(failure) is MalformedPolicyDocument:
            error = console.gettext(request, MALFORMED) % {"message": failure.message}
    return inline_page(
        console, request, current, user, name=name, document=document, existing=existing, error=error, status=400
    )


def delete_inline_policy(console: Console, request: Request, form: Form) -> Response:
    name = form.text("policy_name", strip=True)
    owned = console.services.policies.user_policies
    return change_user(
        console,
        request,
        form,
        "DeleteUserPolicy",
        lambda user: {"PolicyName": name},
        lambda current, user: owned.delete(user.account_id, user.name, name, actor=current.user),
        "inline-policy-deleted",
        (PolicyStoreError,),
    )
