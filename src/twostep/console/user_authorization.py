"""What a signed-in principal may do to a user, asked action by action as the API asks it.

Each button of a user's page stands for one IAM action (Create access key: iam:CreateAccessKey on the user's ARN;
Add to group: iam:AddUserToGroup on the group's ARN; Attach: iam:AttachUserPolicy with iam:PolicyARN; ...). The
decision is the API's own (Console.decide -> awsapi.authorization.decide_action): the same resource, the same
condition keys, the same policies. A refusal names the action and the resource, as AccessDenied does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from twostep.console.i18n import N_
from twostep.console.pages import Console
from twostep.signin.models import CurrentSession

REFUSED = N_("Your policies do not allow %(action)s on %(resource)s.")
OWN_MFA_FIRST = N_(
    "Deactivating another user's MFA device needs a fresh MFA proof of your own: assign an MFA device first."
)

# What the page lists, and the action that must allow each listing (else the section says so).
LISTINGS = {
    "devices": "ListMFADevices",
    "keys": "ListAccessKeys",
    "login_profile": "GetLoginProfile",
    "groups": "ListGroupsForUser",
    "attached": "ListAttachedUserPolicies",
    "inline": "ListUserPolicies",
    "all_groups": "ListGroups",
    "all_policies": "ListPolicies",
}


def refusal(
    console: Console, request: Request, current: CurrentSession, action: str, params: Mapping[str, Any]
) -> str | None:
    """None when the principal's policies allow IAM ``action`` with these API parameters; else the message."""
    resource, allowed = console.decide(request, current, action, params)
    if allowed:
        return None
    return console.gettext(request, REFUSED) % {"action": f"iam:{action}", "resource": resource}


def first_refusal(
    console: Console,
    request: Request,
    current: CurrentSession,
    actions: list[tuple[str, Mapping[str, Any]]],
) -> str | None:
    """The first refusal among several actions (a user's deletion with everything attached to it), or None."""
    for action, params in actions:
        refused = refusal(console, request, current, action, params)
        if refused:
            return refused
    return None


def listings(console: Console, request: Request, current: CurrentSession, user_name: str) -> dict[str, bool]:
    """Which of the page's sections the principal may list for this user (ListMFADevices, ListAccessKeys, ...)."""
    params: dict[str, str] = {"UserName": user_name}
    return {
        section: console.allows(request, current, action, {} if section.startswith("all_") else params)
        for section, action in LISTINGS.items()
    }
