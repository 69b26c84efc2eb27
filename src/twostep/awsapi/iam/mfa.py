"""Virtual MFA devices over IAM: create, enable, resync, deactivate, delete, list, get, tag.

Every code goes through the MFA service and so through the one CodeVerifier (replay, throttling, lockout, audit),
exactly as at the console. The seed leaves the server once, in CreateVirtualMFADevice's answer (S21): as the
base32 text (boto3 hands its bytes to the caller) and inside a real QR code of the otpauth URI.
"""

from __future__ import annotations

from typing import Any, Protocol

from twostep.awsapi.context import CallContext
from twostep.awsapi.iam.shapes import listed_user_name, named_user, tags_in, tags_out, user_shape
from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.protocol.paging import decode_marker, keyset_page, marker_key, max_items, paginate
from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.mfa.errors import NoSuchDevice
from twostep.mfa.models import MfaDevice
from twostep.otp import base32_secret, key_uri, qr_png

ASSIGNMENT = {"Assigned": True, "Unassigned": False, "Any": None}


def _serial(device: MfaDevice) -> str:
    return device.serial


def create_virtual_mfa_device(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    account_id = context.caller.account_id
    new = context.services.mfa.create_virtual_device(
        account_id,
        params["VirtualMFADeviceName"],
        actor=context.caller.principal,
        path=params.get("Path") or "/",
        tags=tags_in(params.get("Tags")),
    )
    uri = key_uri(new.seed, issuer=context.services.settings.issuer, label=f"{new.device.name}@{account_id}")
    device: dict[str, Any] = {
        "SerialNumber": new.device.serial,
        "Base32StringSeed": base32_secret(new.seed).encode("ascii"),
        "QRCodePNG": qr_png(uri),
    }
    if new.device.tags:
        device["Tags"] = tags_out(new.device.tags)
    return {"VirtualMFADevice": device}


MFA_NEEDED_FOR_DEVICE_CHANGES = (
    "You have an MFA device: adding, resynchronizing or deactivating MFA devices needs credentials from an MFA "
    "sign-in (call GetSessionToken with your MFA device's code, or use the console)."
)


class TwoCodeChange(Protocol):
    def __call__(
        self, user: User, serial: str, code1: str, code2: str, *, actor: Principal, source_ip: str | None = None
    ) -> object: ...


def require_mfa_of_device_owners(context: CallContext) -> None:
    """A caller who has an active MFA device changes devices (theirs or, as an administrator, anyone's) only with
    MFA present. Without it a stolen long-term key could enrol the thief's own device and then pass every
    aws:MultiFactorAuthPresent condition (docs/api.md, "Differences from AWS"). Only a user with no device yet
    enrols the first one with long-term keys; that enrolment is audited and mailed like every other.
    """
    caller = context.caller
    if caller.mfa_present or caller.user is None:
        return
    if context.services.mfa.devices_of(caller.user):  # a user's devices are the ones assigned to them
        raise ApiError("AccessDenied", MFA_NEEDED_FOR_DEVICE_CHANGES, 403)


def change_with_two_codes(context: CallContext, params: dict[str, Any], change: TwoCodeChange) -> None:
    """EnableMFADevice and ResyncMFADevice: a named user's device, two consecutive codes, the caller as actor."""
    require_mfa_of_device_owners(context)
    change(
        context.user_named(params["UserName"]),
        params["SerialNumber"],
        params["AuthenticationCode1"],
        params["AuthenticationCode2"],
        actor=context.caller.principal,
        source_ip=context.source_ip,
    )


def enable_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    change_with_two_codes(context, params, context.services.mfa.enable)


def resync_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    change_with_two_codes(context, params, context.services.mfa.resync)


def deactivate_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    require_mfa_of_device_owners(context)
    user = named_user(context, params)
    context.services.mfa.deactivate(
        user, params["SerialNumber"], actor=context.caller.principal, source_ip=context.source_ip
    )


def delete_virtual_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    context.services.mfa.delete(context.caller.account_id, params["SerialNumber"], actor=context.caller.principal)


def list_mfa_devices(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_user(context, params)
    page = paginate(context.services.mfa.devices_of(user), _serial, params)
    devices = [
        {"UserName": listed_user_name(user), "SerialNumber": d.serial, "EnableDate": d.enabled_at} for d in page.items
    ]
    return {"MFADevices": devices, **page.fields}


def _virtual_entry(device: MfaDevice, owner: User | None) -> dict[str, Any]:
    """An unassigned device shows only its serial number; an assigned one its user and enable date. Never a seed."""
    if owner is None:
        return {"SerialNumber": device.serial}
    return {"SerialNumber": device.serial, "User": user_shape(owner), "EnableDate": device.enabled_at}


def list_virtual_mfa_devices(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    assigned = ASSIGNMENT[params.get("AssignmentStatus") or "Any"]
    account_id = context.caller.account_id
    marker = params.get("Marker")
    after = marker_key(marker) if marker is not None else None
    if marker is None or after is not None:
        # The database keeps devices in serial order: fetch this page (and one more, to know whether the list goes
        # on) from where the previous one ended, rather than the whole account.
        limit = max_items(params)
        pairs = context.services.mfa.devices_with_owners_page(account_id, assigned, after, limit + 1)
        position = 0 if marker is None else decode_marker(marker)[0] + 1
        page = keyset_page(pairs, lambda pair: pair[0].serial, position, limit)
    else:  # a marker with only the digest of a serial too long to carry: find it in the whole list
        pairs = context.services.mfa.devices_with_owners(account_id, assigned)
        page = paginate(pairs, lambda pair: pair[0].serial, params)
    return {"VirtualMFADevices": [_virtual_entry(d, owner) for d, owner in page.items], **page.fields}


def get_mfa_device(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = named_user(context, params)
    serial = params["SerialNumber"]
    device = next((d for d in context.services.mfa.devices_of(user) if d.serial == serial), None)
    if device is None:
        raise NoSuchDevice(serial)
    return {"UserName": listed_user_name(user), "SerialNumber": device.serial, "EnableDate": device.enabled_at}


def tag_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    context.services.mfa.add_tags(
        context.caller.account_id, params["SerialNumber"], tags_in(params["Tags"]), actor=context.caller.principal
    )


def untag_mfa_device(context: CallContext, params: dict[str, Any]) -> None:
    context.services.mfa.remove_tags(
        context.caller.account_id, params["SerialNumber"], tuple(params["TagKeys"]), actor=context.caller.principal
    )


def list_mfa_device_tags(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    device = context.services.mfa.device(context.caller.account_id, params["SerialNumber"])
    page = paginate(device.tags, lambda tag: tag.key.lower(), params)
    return {"Tags": tags_out(page.items), **page.fields}


HANDLERS = {
    "CreateVirtualMFADevice": create_virtual_mfa_device,
    "EnableMFADevice": enable_mfa_device,
    "ResyncMFADevice": resync_mfa_device,
    "DeactivateMFADevice": deactivate_mfa_device,
    "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    "ListMFADevices": list_mfa_devices,
    "ListVirtualMFADevices": list_virtual_mfa_devices,
    "GetMFADevice": get_mfa_device,
    "TagMFADevice": tag_mfa_device,
    "UntagMFADevice": untag_mfa_device,
    "ListMFADeviceTags": list_mfa_device_tags,
}
