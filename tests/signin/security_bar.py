"""What the security-bar tests share: the root user's credentials, an enrolled device, a signed-in session, the
account's audit events."""

from __future__ import annotations

from tests.helpers import code_at, earlier_step_codes
from twostep.audit.events import AuditEvent
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.signin.models import Grant

PASSWORD = "correct horse battery"
EMAIL = "owner@example.com"


def enrol(services: Services, clock: FrozenClock, user: User, name: str = "phone") -> tuple[str, str, bytes]:
    """An enabled device; enrolled with the two previous steps' codes, so the current step is unspent."""
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    services.mfa.enable(user, new.device.serial, *earlier_step_codes(new.seed, clock.now), actor=user)
    return new.device.id, new.device.serial, new.seed


def signed_in(services: Services, clock: FrozenClock, device_id: str, seed: bytes) -> Grant:
    half = services.signin.password_step(email=EMAIL, password=PASSWORD)
    clock.advance(30)
    return services.signin.mfa_step(half.token, device_id, code_at(seed, clock.now()))


def event_names(services: Services, account_id: str) -> list[str]:
    with services.uow(readonly=True) as uow:
        return [e.event.event_name for e in uow.audit.events(account_id)]


def events(services: Services, account_id: str) -> list[AuditEvent]:
    with services.uow(readonly=True) as uow:
        return [e.event for e in uow.audit.events(account_id)]
