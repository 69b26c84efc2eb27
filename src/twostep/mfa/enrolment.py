"""The console wizard's unfinished device (mixed into MfaService): made with a fresh seed, its seed shown until it
is assigned (S21), renamed when the user goes back a step (the seed kept), discarded when the wizard ends without
it (S7)."""

from __future__ import annotations

from twostep.audit.events import AuditEvent
from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.mfa.errors import DeviceAlreadyExists, InvalidDeviceName, NoSuchDevice
from twostep.mfa.models import MfaDevice, device_serial
from twostep.mfa.new_devices import DEVICE_NAME, NewDevice, new_virtual_device
from twostep.mfa.ports import MfaUnitOfWork
from twostep.unit_of_work import UnitOfWorkFactory


def device_event(
    name: str,
    device: MfaDevice,
    actor: Principal,
    now: float,
    user: User | None = None,
    source_ip: str | None = None,
) -> AuditEvent:
    details = {"serialNumber": device.serial}
    if user is not None:
        details["userName"] = user.name
    return AuditEvent(name, device.account_id, now, actor=actor.arn, source_ip=source_ip, details=details)


class Enrolment:
    """The enrolment part of MfaService (mixed in; MfaService sets the attributes)."""

    _uow: UnitOfWorkFactory[MfaUnitOfWork]
    _clock: Clock
    _keyring: KeyRing

    def start_enrolment(self, user: User, name: str) -> NewDevice:
        """A new device for the user to enrol (the console's wizard). The user's own unfinished leftover of that
        name (closed browser, expired session) is discarded in the same transaction: enrolment starts afresh with
        a new seed (S7). Anyone else's device, and an assigned one, keeps its name (DeviceAlreadyExists)."""
        new = new_virtual_device(self._keyring, self._clock.now(), user.account_id, name, user, "/", ())
        now = new.device.created_at
        with self._uow() as uow:
            leftover = uow.devices.by_serial(user.account_id, new.device.serial)
            if leftover is not None:
                if not self._unfinished_by(leftover, user.account_id, user):
                    raise DeviceAlreadyExists(new.device.serial)
                uow.devices.delete(leftover.id)
                uow.audit.append(device_event("DeleteVirtualMFADevice", leftover, user, now))
            uow.devices.add(new.device)
            uow.audit.append(device_event("CreateVirtualMFADevice", new.device, user, now))
            uow.commit()
        return new

    def rename_unfinished(self, user: User, device_id: str, name: str) -> MfaDevice:
        """The wizard's "Previous": the user's own unfinished device takes another name and keeps its seed, so an
        entry the authenticator app already made keeps giving the right codes. Recorded as
        RenameVirtualMFADevice (the previous serial in the details)."""
        if not DEVICE_NAME.fullmatch(name):
            raise InvalidDeviceName("Device names use 1 to 226 letters, digits and + = , . @ _ - characters.")
        now = self._clock.now()
        with self._uow() as uow:
            device = uow.devices.get(device_id)
            if device is None or not self._unfinished_by(device, user.account_id, user):
                raise NoSuchDevice(device_id)
            serial = device_serial(device.account_id, device.path, name)
            if serial == device.serial:
                return device
            if uow.devices.by_serial(user.account_id, serial) is not None:
                raise DeviceAlreadyExists(serial)
            uow.devices.rename(device.id, name, serial)
            renamed = uow.devices.get(device.id)
            assert renamed is not None
            event = device_event("RenameVirtualMFADevice", renamed, user, now)
            event.details["previousSerialNumber"] = device.serial
            uow.audit.append(event)
            uow.commit()
        return renamed

    @staticmethod
    def _unfinished_by(device: MfaDevice, account_id: str, actor: User) -> bool:
        """A device its creator is still enrolling: in the account, unassigned, created by the actor."""
        return device.account_id == account_id and not device.assigned and device.created_by == actor.id

    def enrolment_seed(self, account_id: str, device_id: str, actor: User) -> tuple[MfaDevice, bytes]:
        """The seed of a device its creator is still enrolling; never for an assigned device (S21)."""
        with self._uow(readonly=True) as uow:
            device = uow.devices.get(device_id)
        if device is None or not self._unfinished_by(device, account_id, actor):
            raise NoSuchDevice(device_id)
        return device, self._keyring.open(device.seed, device.seed_associated_data)

    def discard_unfinished(self, account_id: str, device_id: str, actor: User) -> None:
        """A cancelled wizard: its creator's still-unassigned device goes away (no orphan is left behind)."""
        now = self._clock.now()
        with self._uow() as uow:
            device = uow.devices.get(device_id)
            if device is None or not self._unfinished_by(device, account_id, actor):
                return
            uow.devices.delete(device.id)
            uow.audit.append(device_event("DeleteVirtualMFADevice", device, actor, now))
            uow.commit()
