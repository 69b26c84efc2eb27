"""Registering a passkey or security key, on both engines: what is stored, and every refusal (nothing stored)."""

from __future__ import annotations

import json
import re

import pytest

from tests.passkeys.authenticator import b64url, unb64url
from tests.passkeys.ceremonies import (
    RP,
    authenticator,
    register,
    registration_options,
    signed_in_with,
    stored_credential,
)
from tests.signin.security_bar import EMAIL, PASSWORD, event_names
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.mfa.errors import DeviceLimitExceeded
from twostep.mfa.models import MfaDevice
from twostep.passkeys import ceremony
from twostep.passkeys.errors import (
    CredentialAlreadyRegistered,
    MalformedPayload,
    PasskeyNameInvalid,
    RegistrationRefused,
)
from twostep.passkeys.models import PasskeyCredential, RelyingParty
from twostep.signin.models import Grant


@pytest.fixture
def session(services: Services, root: User) -> Grant:
    return services.signin.password_step(email=EMAIL, password=PASSWORD)


def device_count(services: Services, user: User) -> int:
    return len(services.mfa.devices_of(user))


def stored(services: Services, device: MfaDevice) -> PasskeyCredential:
    credential = stored_credential(services, device)
    assert credential is not None
    return credential


def test_a_registered_passkey_is_an_assigned_u2f_device(services: Services, root: User, session: Grant) -> None:
    key = authenticator()
    options = registration_options(services, session.session.id_hash, root)
    assert len(unb64url(str(options["challenge"]))) >= 32
    assert options["attestation"] == "none"
    assert options["rp"] == {"id": "example.com", "name": "twostep"}
    selection = options["authenticatorSelection"]
    assert isinstance(selection, dict)
    assert selection["userVerification"] == "preferred"
    assert selection["residentKey"] == "discouraged" and selection["requireResidentKey"] is False
    assert options["excludeCredentials"] == []

    response = ceremony.read_registration(key.create(options))
    device = services.passkeys.register(session.session.id_hash, root, "yubikey", response, RP)
    assert re.fullmatch(rf"arn:aws:iam::{root.account_id}:u2f/root/yubikey-[A-Z0-9]{{26}}", device.serial)
    assert device.is_passkey and device.user_id == root.id and device.enabled_at is not None
    assert [d.serial for d in services.mfa.devices_of(root)] == [device.serial]
    credential = stored(services, device)
    assert credential.credential_id == key.credential_id
    assert (credential.sign_count, credential.transports, credential.rp_id) == (0, ("usb",), "example.com")
    assert credential.aaguid == "01234567-89ab-cdef-0123-456789abcdef"
    assert (credential.backup_eligible, credential.backed_up) == (False, False)
    assert event_names(services, root.account_id)[-1] == "EnableMFADevice"


def test_an_iam_users_serial_names_the_user(services: Services, root: User) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    half = services.signin.password_step(account_id=root.account_id, user_name="alice", password=PASSWORD)
    device = register(services, half, alice, authenticator(), name="work-key")
    assert re.fullmatch(rf"arn:aws:iam::{root.account_id}:u2f/user/alice/work-key-[A-Z0-9]{{26}}", device.serial)


def test_one_authenticator_is_not_registered_twice(services: Services, root: User, session: Grant) -> None:
    key = authenticator()
    device = register(services, session, root, key)
    signed_in = signed_in_with(services, root, device, key)
    options = registration_options(services, signed_in.session.id_hash, root)
    assert options["excludeCredentials"] == [
        {"id": b64url(key.credential_id), "type": "public-key", "transports": ["usb"]}
    ]
    with pytest.raises(CredentialAlreadyRegistered):  # a browser would refuse first; the server does too
        services.passkeys.register(
            signed_in.session.id_hash, root, "again", ceremony.read_registration(key.create(options)), RP
        )
    assert device_count(services, root) == 1


def test_a_replayed_registration_is_refused(services: Services, root: User, session: Grant) -> None:
    options = registration_options(services, session.session.id_hash, root)
    answer = authenticator().create(options)
    # The first answer is refused for its name; its challenge is spent all the same.
    with pytest.raises(PasskeyNameInvalid):
        services.passkeys.register(session.session.id_hash, root, "a b", ceremony.read_registration(answer), RP)
    services.passkeys.register(session.session.id_hash, root, "ok", ceremony.read_registration(answer), RP)
    # The session ended with the change (S18); a replay against a new session finds no challenge of its own.
    other = services.signin.password_step(email=EMAIL, password=PASSWORD)
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(other.session.id_hash, root, "replay", ceremony.read_registration(answer), RP)
    assert device_count(services, root) == 1


def test_a_challenge_is_spent_by_a_failed_answer(services: Services, root: User, session: Grant) -> None:
    options = registration_options(services, session.session.id_hash, root)
    key = authenticator()
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(
            session.session.id_hash, root, "k", ceremony.read_registration(key.create(options, origin="https://x")), RP
        )
    with pytest.raises(RegistrationRefused):  # the good answer comes too late: its challenge is gone
        services.passkeys.register(
            session.session.id_hash, root, "k", ceremony.read_registration(key.create(options)), RP
        )
    assert device_count(services, root) == 0


def test_an_expired_challenge_is_refused(services: Services, clock: FrozenClock, root: User, session: Grant) -> None:
    options = registration_options(services, session.session.id_hash, root)
    clock.advance(300)
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(
            session.session.id_hash, root, "k", ceremony.read_registration(authenticator().create(options)), RP
        )
    assert device_count(services, root) == 0


def test_a_challenge_of_another_session_is_refused(services: Services, root: User, session: Grant) -> None:
    other = services.signin.password_step(email=EMAIL, password=PASSWORD)
    registration_options(services, other.session.id_hash, root)  # the other session has a challenge of its own
    theirs = registration_options(services, session.session.id_hash, root)
    answer = ceremony.read_registration(authenticator().create(theirs))
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(other.session.id_hash, root, "k", answer, RP)
    assert device_count(services, root) == 0


@pytest.mark.parametrize(
    "lie",
    [
        {"origin": "https://mfa.example.com.evil.test"},
        {"origin": "http://mfa.example.com"},
        {"rp_id": "evil.test"},
        {"rp_id": "mfa.example.com"},
    ],
    ids=["foreign-origin", "http-origin", "foreign-rp-id", "other-rp-id"],
)
def test_a_wrong_origin_or_rp_id_is_refused(
    services: Services, root: User, session: Grant, lie: dict[str, str]
) -> None:
    options = registration_options(services, session.session.id_hash, root)
    answer = ceremony.read_registration(authenticator().create(options, **lie))
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(session.session.id_hash, root, "k", answer, RP)
    assert device_count(services, root) == 0


def test_the_origin_must_be_one_of_the_relying_partys(services: Services, root: User, session: Grant) -> None:
    options = registration_options(services, session.session.id_hash, root)
    answer = ceremony.read_registration(authenticator().create(options))
    elsewhere = RelyingParty("example.com", ("https://console.example.com",))
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(session.session.id_hash, root, "k", answer, elsewhere)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[]",
        json.dumps({"id": "x"}),
        json.dumps({"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": 1}}),
        json.dumps({"id": "AA", "rawId": "%%%", "type": "public-key", "response": {}}),
        "{" + " " * (ceremony.MAX_PAYLOAD_CHARACTERS + 1) + "}",
    ],
    ids=["empty", "not-json", "array", "no-response", "wrong-types", "bad-base64", "oversized"],
)
def test_a_malformed_or_oversized_payload_is_refused_before_anything_happens(payload: str) -> None:
    with pytest.raises(MalformedPayload):
        ceremony.read_registration(payload)
    with pytest.raises(MalformedPayload):
        ceremony.read_assertion(payload)


def test_a_garbled_attestation_is_refused_and_nothing_stored(services: Services, root: User, session: Grant) -> None:
    options = registration_options(services, session.session.id_hash, root)
    answer = json.loads(authenticator().create(options))
    answer["response"]["attestationObject"] = b64url(b"\xa3garbage")
    with pytest.raises(RegistrationRefused):
        services.passkeys.register(
            session.session.id_hash, root, "k", ceremony.read_registration(json.dumps(answer)), RP
        )
    assert device_count(services, root) == 0


def test_names_and_the_device_limit(services: Services, root: User, session: Grant) -> None:
    with pytest.raises(PasskeyNameInvalid):
        services.passkeys.check_new(root, "x" * 129)
    services.passkeys.check_new(root, "x" * 128)
    key = authenticator()
    device = register(services, session, root, key, name="x" * 128)
    assert len(device.serial) <= 256
    for n in range(7):
        signed_in = signed_in_with(services, root, device, key)
        register(services, signed_in, root, authenticator(), name=f"key-{n}")
    with pytest.raises(DeviceLimitExceeded):
        services.passkeys.check_new(root, "ninth")
    signed_in = signed_in_with(services, root, device, key)
    options = registration_options(services, signed_in.session.id_hash, root)
    with pytest.raises(DeviceLimitExceeded):
        services.passkeys.register(
            signed_in.session.id_hash, root, "ninth", ceremony.read_registration(authenticator().create(options)), RP
        )
    assert device_count(services, root) == 8
