"""Typed failures of passkey registration and use."""

from __future__ import annotations

from twostep.mfa.errors import InvalidDeviceName, MfaError


class PasskeyError(MfaError):
    """Base class: the message is safe to show to the caller."""


class MalformedPayload(PasskeyError):
    """The browser's response is not a WebAuthn response at all (or too large): refused before anything is
    evaluated or stored."""

    def __init__(self) -> None:
        super().__init__("The response from the browser could not be read.")


class RegistrationRefused(PasskeyError):
    """A registration response failed a check (challenge, origin, RP ID, signature, ...): nothing was stored."""

    def __init__(self) -> None:
        super().__init__("The passkey or security key could not be registered.")


class CredentialAlreadyRegistered(PasskeyError):
    def __init__(self) -> None:
        super().__init__("This passkey or security key is already registered.")


class PasskeyNameInvalid(InvalidDeviceName):
    """A passkey's name ends up in its serial (at most 256 characters): 128 at most, AWS's device name letters."""

    def __init__(self) -> None:
        super().__init__("Passkey names use 1 to 128 letters, digits and + = , . @ _ - characters.")
