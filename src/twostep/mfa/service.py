"""Virtual MFA devices: create, enable with two consecutive codes, resync, deactivate, delete.

The same rules serve the console and the IAM API; every code goes through CodeVerifier.
"""

from __future__ import annotations

from collections.abc import Callable

from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import Tag, User
from twostep.identity.principal import Principal
from twostep.identity.session_endings import SessionEnd
from twostep.identity.tags import with_tags, without_tags
from twostep.mfa.enrolment import Enrolment, device_event
from twostep.mfa.errors import (
    DeviceAlreadyExists,
    DeviceInUse,
    DeviceLimitExceeded,
    DeviceNotAssignedToUser,
    DeviceStillAssigned,
    NoSuchDevice,
)
from twostep.mfa.models import MAX_DEVICES_PER_USER, DeviceKind, MfaDevice
from twostep.mfa.new_devices import DEVICE_NAME as DEVICE_NAME
from twostep.mfa.new_devices import NewDevice as NewDevice
from twostep.mfa.new_devices import new_virtual_device
from twostep.mfa.ports import MfaUnitOfWork
from twostep.mfa.recovery import owe_after_assignment
from twostep.mfa.verifier import AttemptContext, CodeVerifier
from twostep.unit_of_work import UnitOfWorkFactory


class MfaService(Enrolment):
    def __init__(
        self, uow: UnitOfWorkFactory[MfaUnitOfWork], clock: Clock, keyring: KeyRing, verifier: CodeVerifier
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self.verifier = verifier

    def create_virtual_device(
        self, account_id: str, name: str, *, actor: Principal, path: str = "/", tags: tuple[Tag, ...] = ()
    ) -> NewDevice:
        new = new_virtual_device(self._keyring, self._clock.now(), account_id, name, actor, path, tags)
        with self._uow() as uow:
            if uow.devices.by_serial(account_id, new.device.serial) is not None:
                raise DeviceAlreadyExists(new.device.serial)
            uow.devices.add(new.device)
            uow.audit.append(self._event("CreateVirtualMFADevice", new.device, actor, new.device.created_at))
            uow.commit()
        return new

    def device(self, account_id: str, serial: str) -> MfaDevice:
        with self._uow(readonly=True) as uow:
            device = uow.devices.by_serial(account_id, serial)
        if device is None:
            raise NoSuchDevice(serial)
        return device

    def devices_of(self, user: User) -> list[MfaDevice]:
        with self._uow(readonly=True) as uow:
            return uow.devices.for_user(user.id)

    def devices_in_account(self, account_id: str, assigned: bool | None = None) -> list[MfaDevice]:
        with self._uow(readonly=True) as uow:
            return uow.devices.in_account(account_id, assigned)

    def devices_with_owners(self, account_id: str, assigned: bool | None = None) -> list[tuple[MfaDevice, User | None]]:
        """ListVirtualMFADevices: the account's virtual devices, each with the user it is assigned to (None:
        unassigned). Hardware tokens (`twostep tokens list`) and passkeys are not virtual devices."""
        with self._uow(readonly=True) as uow:
            devices = [
                d
                for d in uow.devices.in_account(account_id, assigned)
                if d.kind is DeviceKind.VIRTUAL and not d.is_passkey
            ]
            owners = uow.users.by_ids({d.user_id for d in devices if d.user_id is not None})
        return [(d, owners.get(d.user_id) if d.user_id else None) for d in devices]

    def devices_with_owners_page(
        self, account_id: str, assigned: bool | None, after_serial: str | None, limit: int
    ) -> list[tuple[MfaDevice, User | None]]:
        """One page of ListVirtualMFADevices in serial-number order, after `after_serial`, with the owners."""
        with self._uow(readonly=True) as uow:
            devices = uow.devices.page_in_account(account_id, assigned, after_serial, limit)
            owners = uow.users.by_ids({d.user_id for d in devices if d.user_id is not None})
        return [(d, owners.get(d.user_id) if d.user_id else None) for d in devices]

    def _existing(self, uow: MfaUnitOfWork, account_id: str, serial: str) -> MfaDevice:
        device = uow.devices.by_serial(account_id, serial)
        if device is None:
            raise NoSuchDevice(serial)
        return device

    def enable(
        self, user: User, serial: str, code1: str, code2: str, *, actor: Principal, source_ip: str | None = None
    ) -> MfaDevice:
        """EnableMFADevice: two consecutive codes prove the device holds the seed; both steps are spent."""
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, user.account_id, serial)
            if device.assigned:
                raise DeviceInUse()
            self._check_room(uow, user)
            context = AttemptContext("EnableMFADevice", actor.arn, source_ip)
            self.verifier.verify_consecutive(uow, device, code1, code2, context)
            self.assign_verified(uow, device, user, actor=actor, now=now, source_ip=source_ip)
            uow.commit()
            enabled = uow.devices.get(device.id)
        assert enabled is not None
        return enabled

    @staticmethod
    def _check_room(uow: MfaUnitOfWork, user: User) -> None:
        uow.users.lock(user.id)  # serialises assignments for one user, so the limit holds under concurrency
        if uow.devices.count_for_user(user.id) >= MAX_DEVICES_PER_USER:
            raise DeviceLimitExceeded()

    def assign_verified(
        self, uow: MfaUnitOfWork, device: MfaDevice, user: User, *, actor: Principal, now: float, source_ip: str | None
    ) -> None:
        """The one place a device becomes a user's, once its proof of possession passed (EnableMFADevice's two
        codes, a passkey's registration): the 8-device limit under the user's lock, the assignment, the end of the
        user's console sessions (S18) and the EnableMFADevice event, in the caller's transaction."""
        self._check_room(uow, user)
        if not uow.devices.assign(device.id, user.id, now):
            raise DeviceInUse()
        owe_after_assignment(uow, self._keyring, user)  # a first device: recovery codes are owed (issue 14)
        uow.sessions.end_for_user(user.id, SessionEnd.MFA_CHANGED, now)  # S18: an MFA change ends them
        uow.audit.append(self._event("EnableMFADevice", device, actor, now, user, source_ip))

    def resync(
        self, user: User, serial: str, code1: str, code2: str, *, actor: Principal, source_ip: str | None = None
    ) -> None:
        """ResyncMFADevice: two consecutive codes anywhere near the server's time re-centre the drift and
        clear a lockout (fresh proof of possession, S8)."""
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, user.account_id, serial)
            if device.user_id != user.id or device.is_passkey:  # a passkey has no codes to resync
                raise DeviceNotAssignedToUser(serial)
            context = AttemptContext("ResyncMFADevice", actor.arn, source_ip)
            self.verifier.verify_consecutive(uow, device, code1, code2, context, resync=True)
            uow.audit.append(self._event("ResyncMFADevice", device, actor, now, user, source_ip))
            uow.commit()

    def deactivate(self, user: User, serial: str, *, actor: Principal, source_ip: str | None = None) -> None:
        """DeactivateMFADevice: detach from the user; the virtual device stays in the account, unassigned. A
        passkey is gone with its credential (AWS has no separate delete for FIDO devices)."""
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, user.account_id, serial)
            if device.user_id != user.id:
                raise DeviceNotAssignedToUser(serial)
            if device.is_passkey:
                uow.devices.delete(device.id)  # its credential row goes with it (ON DELETE CASCADE)
            else:
                uow.devices.unassign(device.id)
            uow.sessions.end_for_user(user.id, SessionEnd.MFA_CHANGED, now)  # S18
            uow.audit.append(self._event("DeactivateMFADevice", device, actor, now, user, source_ip))
            uow.commit()

    def remove(
        self,
        user: User,
        serial: str,
        *,
        actor: Principal,
        code: str | None = None,
        source_ip: str | None = None,
    ) -> None:
        """Deactivate and delete a user's device in one transaction, with both audit events (S29): a crash
        leaves the device either assigned or gone, never unassigned and orphaned. A hardware token is only
        deactivated: it goes back to the account's pool, its seed and spent steps kept, assignable again.

        With ``code``, a current code of this very device is checked (and spent) first, by the one verifier, in
        the same transaction (S17); a rejection is committed and raised as CodeRejected. The user's console
        sessions end with the change (S18).
        """
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, user.account_id, serial)
            if device.user_id != user.id:
                raise DeviceNotAssignedToUser(serial)
            if code is not None:
                context = AttemptContext("DeactivateMFADevice", actor.arn, source_ip)
                self.verifier.verify(uow, device, code, context)
            uow.devices.unassign(device.id)
            if device.kind is DeviceKind.VIRTUAL:
                uow.devices.delete(device.id)
            uow.sessions.end_for_user(user.id, SessionEnd.MFA_CHANGED, now)
            uow.audit.append(self._event("DeactivateMFADevice", device, actor, now, user, source_ip))
            if device.kind is DeviceKind.VIRTUAL and not device.is_passkey:
                uow.audit.append(self._event("DeleteVirtualMFADevice", device, actor, now, source_ip=source_ip))
            uow.commit()

    def delete(self, account_id: str, serial: str, *, actor: Principal) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, account_id, serial)
            if device.kind is not DeviceKind.VIRTUAL:  # a hardware token leaves the pool by `twostep tokens remove`
                raise NoSuchDevice(serial)
            if device.assigned:
                raise DeviceStillAssigned()
            uow.devices.delete(device.id)
            uow.audit.append(self._event("DeleteVirtualMFADevice", device, actor, now))
            uow.commit()

    def set_tags(self, account_id: str, serial: str, tags: tuple[Tag, ...], *, actor: Principal) -> None:
        self._retag(account_id, serial, lambda _: tags, "TagMFADevice", actor)

    def add_tags(self, account_id: str, serial: str, tags: tuple[Tag, ...], *, actor: Principal) -> None:
        """TagMFADevice: a tag whose key exists (in any case) is replaced; 50 at most."""
        self._retag(account_id, serial, lambda old: with_tags(old, tags), "TagMFADevice", actor)

    def remove_tags(self, account_id: str, serial: str, keys: tuple[str, ...], *, actor: Principal) -> None:
        """UntagMFADevice: keys the device does not have are ignored."""
        self._retag(account_id, serial, lambda old: without_tags(old, keys), "UntagMFADevice", actor)

    def _retag(
        self,
        account_id: str,
        serial: str,
        change: Callable[[tuple[Tag, ...]], tuple[Tag, ...]],
        event: str,
        actor: Principal,
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, account_id, serial)
            uow.devices.set_tags(device.id, change(device.tags))
            uow.audit.append(self._event(event, device, actor, now))
            uow.commit()

    def unlock(self, account_id: str, serial: str, *, actor: Principal) -> None:
        """An administrator clears a device's failure lock (S8)."""
        now = self._clock.now()
        with self._uow() as uow:
            device = self._existing(uow, account_id, serial)
            uow.devices.reset_failures(device.id)
            uow.audit.append(self._event("UnlockMFADevice", device, actor, now))
            uow.commit()

    _event = staticmethod(device_event)
