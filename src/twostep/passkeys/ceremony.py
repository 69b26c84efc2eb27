"""The WebAuthn ceremonies on a maintained library (py_webauthn, imported here only): the options a browser is
given, and the checks of what it sends back. No CBOR, COSE or attestation parsing of our own.

Registration: attestation ``none``, user verification ``preferred``, resident keys allowed but not required
(``discouraged``: sign-in always names the credential it wants, so a security key need not spend one of its few
resident slots, nor be given a PIN, for twostep; a platform authenticator that always makes a discoverable
passkey still may), ``excludeCredentials`` listing the user's registered credentials (one authenticator is not
registered twice).
Every check of a response is the library's: type, challenge, origin, RP ID hash, user presence, signature,
attestation statement, backup flags. What fails any of them raises CeremonyFailed; what is not a WebAuthn
response at all raises MalformedPayload before anything is evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json, parse_registration_credential_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from twostep.passkeys.errors import MalformedPayload
from twostep.passkeys.models import PasskeyCredential, RelyingParty, VerifiedAssertion

# A browser's response is a few hundred bytes of JSON (a credential id is at most 1023 bytes, 1364 in base64url):
# anything far larger is refused before it is parsed.
MAX_PAYLOAD_CHARACTERS = 16 * 1024
MAX_CREDENTIAL_ID_BYTES = 1023
# How long the browser lets the user answer its prompt (a hint); the challenge itself lives five minutes.
PROMPT_TIMEOUT_MS = 120_000


class CeremonyFailed(Exception):
    """A well-formed response failed one of the library's checks."""


@dataclass(frozen=True)
class RegistrationResponse:
    """What navigator.credentials.create returned, parsed but not yet checked."""

    credential: RegistrationCredential


@dataclass(frozen=True)
class Assertion:
    """What navigator.credentials.get returned, parsed but not yet checked."""

    credential: AuthenticationCredential

    @property
    def credential_id(self) -> bytes:
        return bytes(self.credential.raw_id)


def _json_object(text: str) -> dict[str, object]:
    if len(text) > MAX_PAYLOAD_CHARACTERS:
        raise MalformedPayload()
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise MalformedPayload() from exc
    if not isinstance(value, dict):
        raise MalformedPayload()
    return value


def read_registration(text: str) -> RegistrationResponse:
    try:
        return RegistrationResponse(parse_registration_credential_json(_json_object(text)))
    except MalformedPayload:
        raise
    except Exception as exc:  # the library's parse errors, and anything a hostile payload provokes in it
        raise MalformedPayload() from exc


def read_assertion(text: str) -> Assertion:
    try:
        return Assertion(parse_authentication_credential_json(_json_object(text)))
    except MalformedPayload:
        raise
    except Exception as exc:
        raise MalformedPayload() from exc


def _descriptors(credentials: Sequence[PasskeyCredential]) -> list[PublicKeyCredentialDescriptor]:
    known = {transport.value for transport in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=credential.credential_id,
            transports=[AuthenticatorTransport(t) for t in credential.transports if t in known] or None,
        )
        for credential in credentials
    ]


def creation_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    exclude: Sequence[PasskeyCredential],
) -> str:
    """navigator.credentials.create's publicKey options, as JSON (binary values in base64url)."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=PROMPT_TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(exclude),
    )
    return options_to_json(options)


def request_options(rp: RelyingParty, *, challenge: bytes, allow: Sequence[PasskeyCredential]) -> str:
    """navigator.credentials.get's publicKey options, as JSON."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=PROMPT_TIMEOUT_MS,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options)


def verify_registration(
    response: RegistrationResponse, *, challenge: bytes, rp: RelyingParty, device_id: str, now: float
) -> PasskeyCredential:
    """Check a registration response; what it proves, as the credential to keep for the device `device_id`."""
    try:
        verified = verify_registration_response(
            credential=response.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=False,
        )
    except Exception as exc:
        raise CeremonyFailed(str(exc)) from exc
    if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES:
        raise CeremonyFailed("credential id longer than 1023 bytes")
    transports = response.credential.response.transports or []
    return PasskeyCredential(
        device_id=device_id,
        credential_id=bytes(verified.credential_id),
        public_key=bytes(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=tuple(sorted({transport.value for transport in transports})),
        aaguid=verified.aaguid,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        rp_id=rp.id,
        created_at=now,
    )


def verify_assertion(
    assertion: Assertion, *, challenge: bytes, rp: RelyingParty, public_key: bytes
) -> VerifiedAssertion:
    """The signature and everything around it. The signature counter is compared by the caller (0 here keeps the
    library from comparing it), so that a regression is told apart from a bad signature."""
    try:
        verified = verify_authentication_response(
            credential=assertion.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=False,
        )
    except Exception as exc:
        raise CeremonyFailed(str(exc)) from exc
    return VerifiedAssertion(sign_count=verified.new_sign_count, backed_up=verified.credential_backed_up)
