"""What the passkey tests share: the relying party, registering a software authenticator, answering the MFA step
with it."""

from __future__ import annotations

import json

from tests.passkeys.authenticator import SoftAuthenticator
from tests.signin.security_bar import EMAIL, PASSWORD
from twostep.bootstrap import Services
from twostep.identity.models import User
from twostep.mfa.models import MfaDevice
from twostep.passkeys import ceremony
from twostep.passkeys.assertions import PresentedPasskey
from twostep.passkeys.models import PasskeyCredential, RelyingParty
from twostep.signin.models import Grant

ORIGIN = "https://mfa.example.com"
RP = RelyingParty("example.com", (ORIGIN,))


def authenticator(**kwargs: object) -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id=RP.id, **kwargs)  # type: ignore[arg-type]


def registration_options(services: Services, session_hash: str, user: User) -> dict[str, object]:
    options: dict[str, object] = json.loads(services.passkeys.registration_options(session_hash, user, RP))
    return options


def register(
    services: Services, grant: Grant, user: User, key: SoftAuthenticator, name: str = "security-key"
) -> MfaDevice:
    options = registration_options(services, grant.session.id_hash, user)
    response = ceremony.read_registration(key.create(options))
    return services.passkeys.register(grant.session.id_hash, user, name, response, RP)


def assertion_options(services: Services, grant: Grant, user: User, device: MfaDevice) -> dict[str, object]:
    options: dict[str, object] = json.loads(
        services.passkeys.assertion_options(grant.session.id_hash, user, device.id, RP)
    )
    return options


def presented(answer: str) -> PresentedPasskey:
    return PresentedPasskey(ceremony.read_assertion(answer), RP)


def half_signed_in(services: Services) -> Grant:
    return services.signin.password_step(email=EMAIL, password=PASSWORD)


def signed_in_with(services: Services, user: User, device: MfaDevice, key: SoftAuthenticator) -> Grant:
    """The password, then the passkey: a signed-in session."""
    half = half_signed_in(services)
    options = assertion_options(services, half, user, device)
    return services.signin.mfa_step(half.token, device.id, "", passkey=presented(key.get(options)))


def stored_credential(services: Services, device: MfaDevice) -> PasskeyCredential | None:
    with services.uow(readonly=True) as uow:
        return uow.passkeys.for_device(device.id)
