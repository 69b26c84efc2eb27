"""Delete user. IAM refuses DeleteUser while anything is attached to the user (DeleteConflict): a console password,
access keys, MFA devices, inline or attached policies, group memberships. The page lists them and offers to remove
them first, each by its own action and its own decision (DeleteLoginProfile, DeleteAccessKey, DeactivateMFADevice
with the administrator's fresh MFA proof, DeleteUserPolicy, DetachUserPolicy, RemoveUserFromGroup), then deletes the
user. Every decision is taken before anything changes: one refusal and nothing is removed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import N_
from twostep.console.pages import Console, redirect
from twostep.console.user_authorization import OWN_MFA_FIRST, first_refusal
from twostep.console.user_detail_pages import acting_on, signed_in_user, user_url
from twostep.groups.errors import GroupError
from twostep.identity.errors import IdentityError
from twostep.identity.models import AccessKey, User
from twostep.mfa.errors import MfaError
from twostep.mfa.models import MfaDevice
from twostep.policy.stored.errors import PolicyStoreError
from twostep.signin.models import CurrentSession

CONFIRM_WITH_NAME = N_("To confirm, type the user name exactly as it is shown.")
STILL_ATTACHED = N_(
    "The user still has the resources listed below. Choose to remove them first, or remove them from the user's page."
)
FAILURES = (IdentityError, MfaError, GroupError, PolicyStoreError)


def routes(console: Console) -> list[BaseRoute]:
    return [route(console, "/users/{name}/delete", get=show_delete, post=delete_user)]


@dataclass
class Attached:
    """Everything that keeps IAM from deleting the user, as the page lists it."""

    login_profile: bool
    keys: list[AccessKey]
    devices: list[MfaDevice]
    inline: list[str]
    attached: list[str]  # policy ARNs
    groups: list[str]
    removals: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)  # the API actions removing them

    @property
    def empty(self) -> bool:
        return not (self.login_profile or self.keys or self.devices or self.inline or self.attached or self.groups)


def attached_to(console: Console, user: User) -> Attached:
    services, account_id, name = console.services, user.account_id, user.name
    found = Attached(
        login_profile=user.has_login_profile,
        keys=services.identity.access_keys(user),
        devices=services.mfa.devices_of(user),
        inline=services.policies.user_policies.names(account_id, name),
        attached=[policy.arn for policy in services.policies.user_policies.attached(account_id, name)],
        groups=[group.name for group in services.groups.groups_for_user(account_id, name)],
    )
    user_params = {"UserName": name}
    found.removals = [
        *([("DeleteLoginProfile", user_params)] if found.login_profile else []),
        *[("DeleteAccessKey", {**user_params, "AccessKeyId": key.id}) for key in found.keys],
        *[("DeactivateMFADevice", {**user_params, "SerialNumber": device.serial}) for device in found.devices],
        *[("DeleteUserPolicy", {**user_params, "PolicyName": policy}) for policy in found.inline],
        *[("DetachUserPolicy", {**user_params, "PolicyArn": arn}) for arn in found.attached],
        *[("RemoveUserFromGroup", {**user_params, "GroupName": group}) for group in found.groups],
    ]
    return found


def delete_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    user: User,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {"user": user, "user_url": user_url, "attached": attached_to(console, user)}
    status = 400 if error and status == 200 else status
    return console.render(request, "user_delete.html", context, current=current, status=status, error=error)


def show_delete(console: Console, request: Request) -> Response:
    current, user = signed_in_user(console, request)
    return delete_page(console, request, current, user)


def delete_user(console: Console, request: Request, form: Form) -> Response:
    current, user = acting_on(console, request, form)
    if form.text("confirm", strip=True) != user.name:
        return delete_page(console, request, current, user, error=console.gettext(request, CONFIRM_WITH_NAME))
    attached = attached_to(console, user)
    if not attached.empty and form.text("remove_attached") != "on":
        return delete_page(console, request, current, user, error=console.gettext(request, STILL_ATTACHED), status=409)
    refused = first_refusal(console, request, current, [*attached.removals, ("DeleteUser", {"UserName": user.name})])
    if refused:
        return delete_page(console, request, current, user, error=refused, status=403)
    if attached.devices:  # the devices' rule, as on the user's page: a device of one's own, proved within minutes
        if not console.services.mfa.devices_of(current.user):
            return delete_page(console, request, current, user, error=console.gettext(request, OWN_MFA_FIRST))
        console.require_fresh(request, current, user_url(user.name, "delete"))
    try:
        for remove in removals(console, request, current, user, attached):
            remove()
        console.services.identity.delete_user(user.account_id, user.name, actor=current.user)
    except FAILURES as failure:  # changed meanwhile: the page shows what is left
        return delete_page(console, request, current, user, error=console.error(request, failure), status=409)
    return redirect("/users?notice=user-deleted")


def removals(
    console: Console, request: Request, current: CurrentSession, user: User, attached: Attached
) -> list[Callable[[], None]]:
    """One call per attached resource, each its own change with its audit event (as the API's calls would be)."""
    services, account_id, name, actor = console.services, user.account_id, user.name, current.user
    owned, source_ip = services.policies.user_policies, client_address(request)
    steps: list[Callable[[], None]] = []
    if attached.login_profile:
        steps.append(partial(services.identity.delete_login_profile, account_id, name, actor=actor))
    steps += [partial(services.identity.delete_access_key, user, key.id, actor=actor) for key in attached.keys]
    steps += [
        partial(services.mfa.deactivate, user, device.serial, actor=actor, source_ip=source_ip)
        for device in attached.devices
    ]
    steps += [partial(owned.delete, account_id, name, policy, actor=actor) for policy in attached.inline]
    steps += [partial(owned.detach, account_id, name, arn, actor=actor) for arn in attached.attached]
    steps += [partial(services.groups.remove_user, account_id, group, name, actor=actor) for group in attached.groups]
    return steps
