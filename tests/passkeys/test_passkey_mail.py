"""S17 for passkeys: the owner is mailed when one is added or removed, as for the other device types, and when one
presents a counter that did not grow (a possibly copied key). The mails name the device, never key material."""

from __future__ import annotations

from tests.notify.test_notifications import Smtp, dispatcher, smtp  # noqa: F401 - the fixture
from tests.passkeys.authenticator import b64url
from tests.passkeys.ceremonies import authenticator, half_signed_in, register, signed_in_with
from tests.passkeys.test_passkey_signin import attempt
from tests.signin.security_bar import EMAIL
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.signin.errors import MfaFailed


def test_adding_copying_and_removing_a_passkey_is_mailed(
    services: Services,
    clock: FrozenClock,
    root: User,
    smtp: Smtp,  # noqa: F811
) -> None:
    key = authenticator()
    device = register(services, half_signed_in(services), root, key)
    attempt(services, root, device, key, sign_count=7)
    clock.advance(60)
    try:
        attempt(services, root, device, key, sign_count=7)
    except MfaFailed:
        pass
    else:
        raise AssertionError("a counter that did not grow signed in")
    clock.advance(60)
    key.sign_count = 7
    signed_in_with(services, root, device, key)
    services.mfa.remove(root, device.serial, actor=root)
    assert dispatcher(services, clock, smtp.settings()).run_once() == 3
    assert smtp.inbox.subjects == [
        "twostep: MFA device added for the root user",
        "twostep: Possibly copied security key for the root user",
        "twostep: MFA device removed from the root user",
    ]
    assert all(recipients == [EMAIL] for recipients, _ in smtp.inbox.received)
    for message in smtp.inbox.messages:
        text = message.get_content()
        assert device.serial in text
        assert key.credential_id.hex() not in text and b64url(key.credential_id) not in text
