"""Passkeys and security keys as MFA devices: the wizard's checks, the registration ceremony, the options of an
authentication ceremony. Assertions themselves are checked by AssertionChecker, inside the sign-in's transaction.

A registered passkey is an MFA device row (name, u2f serial, failure counter, enable date: everything the other
device types have) with its WebAuthn credential beside it. It becomes the user's through MfaService.assign_verified,
the one place a device is assigned, with the 8-device limit, the end of the user's sessions and the
EnableMFADevice event (and so its mail).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

from twostep.clock import Clock
from twostep.crypto.keyring import KeyRing
from twostep.identity import aws_ids
from twostep.identity.models import User
from twostep.mfa.errors import DeviceLimitExceeded, NoSuchDevice
from twostep.mfa.models import MAX_DEVICES_PER_USER, MfaDevice, passkey_serial, seed_associated_data
from twostep.mfa.service import MfaService
from twostep.passkeys import ceremony, challenges
from twostep.passkeys.errors import CredentialAlreadyRegistered, PasskeyNameInvalid, RegistrationRefused
from twostep.passkeys.models import Ceremony, RelyingParty
from twostep.passkeys.ports import PasskeyUnitOfWork
from twostep.unit_of_work import UnitOfWorkFactory

# AWS's device name letters; 128 at most so that the serial stays within IAM's 256 characters for any user name.
PASSKEY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
# The random value kept in the device row's seed columns: no code is ever checked against it (CodeVerifier refuses
# codes for a passkey before evaluating them), it only keeps one row shape for every device type.
UNUSED_SEED_BYTES = 20


def check_passkey_name(name: str) -> None:
    if not PASSKEY_NAME.fullmatch(name):
        raise PasskeyNameInvalid()


class PasskeyService:
    def __init__(
        self, uow: UnitOfWorkFactory[PasskeyUnitOfWork], clock: Clock, keyring: KeyRing, mfa: MfaService
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keyring = keyring
        self._mfa = mfa

    def check_new(self, user: User, name: str) -> None:
        """The wizard's first step: a valid name, and room for one more device (AWS: 8 per user)."""
        check_passkey_name(name)
        with self._uow(readonly=True) as uow:
            if uow.devices.count_for_user(user.id) >= MAX_DEVICES_PER_USER:
                raise DeviceLimitExceeded()

    # -- registration ---------------------------------------------------------------------------------------

    def registration_options(self, session_hash: str, user: User, rp: RelyingParty) -> str:
        """navigator.credentials.create's options, with a new challenge bound to the session and the ceremony."""
        now = self._clock.now()
        with self._uow() as uow:
            registered = uow.passkeys.for_user(user.id)
            challenge = challenges.issue(uow, session_hash, Ceremony.REGISTRATION, now)
            uow.commit()
        name = user.email or user.name if user.is_root else f"{user.name} ({user.account_id})"
        return ceremony.creation_options(
            rp,
            challenge=challenge.value,
            user_handle=user.id.encode(),
            user_name=name,
            display_name=name,
            exclude=registered,
        )

    def register(
        self,
        session_hash: str,
        user: User,
        name: str,
        response: ceremony.RegistrationResponse,
        rp: RelyingParty,
        *,
        source_ip: str | None = None,
    ) -> MfaDevice:
        """Check the browser's response against the session's registration challenge (spent whatever the outcome)
        and store the credential as a new device of the user, assigned in the same transaction."""
        check_passkey_name(name)
        now = self._clock.now()
        device = self._new_device(user, name, now)
        with self._uow() as uow:
            challenge = challenges.take(uow, session_hash, Ceremony.REGISTRATION, now)
            try:
                if challenge is None:
                    raise RegistrationRefused()
                credential = ceremony.verify_registration(
                    response, challenge=challenge.value, rp=rp, device_id=device.id, now=now
                )
            except (RegistrationRefused, ceremony.CeremonyFailed) as exc:
                uow.commit()  # the challenge is spent
                raise RegistrationRefused() from exc
            if uow.passkeys.by_credential_id(credential.credential_id) is not None:
                uow.commit()
                raise CredentialAlreadyRegistered()
            uow.devices.add(device)
            uow.passkeys.add(credential)
            self._mfa.assign_verified(uow, device, user, actor=user, now=now, source_ip=source_ip)
            uow.commit()
        return replace(device, user_id=user.id, enabled_at=now)

    def _new_device(self, user: User, name: str, now: float) -> MfaDevice:
        device_id = aws_ids.new_device_id()
        owner = "root" if user.is_root else f"user/{user.name}"
        unused = self._keyring.seal(secrets.token_bytes(UNUSED_SEED_BYTES), seed_associated_data(device_id))
        return MfaDevice(
            id=device_id,
            account_id=user.account_id,
            path="/",
            name=name,
            serial=passkey_serial(user.account_id, owner, name, aws_ids.new_u2f_suffix()),
            seed=unused,
            created_at=now,
            created_by=user.id,
        )

    # -- authentication -------------------------------------------------------------------------------------

    def assertion_options(self, session_hash: str, user: User, device_id: str, rp: RelyingParty) -> str:
        """navigator.credentials.get's options for one of the user's passkeys, with a new challenge bound to the
        session, the ceremony and that device."""
        now = self._clock.now()
        with self._uow() as uow:
            device = next((d for d in uow.devices.for_user(user.id) if d.id == device_id), None)
            stored = uow.passkeys.for_device(device_id) if device is not None else None
            if device is None or stored is None:
                raise NoSuchDevice(device_id)
            challenge = challenges.issue(uow, session_hash, Ceremony.AUTHENTICATION, now, device.id)
            uow.commit()
        return ceremony.request_options(rp, challenge=challenge.value, allow=[stored])
