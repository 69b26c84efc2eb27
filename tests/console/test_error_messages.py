"""The console's one error table: every domain failure a page shows has its message, in English and Korean, and
the console's words for IAM's own messages are IAM's words."""

from __future__ import annotations

import pytest

from twostep.bootstrap import Services
from twostep.console.error_messages import (
    CODE_OF_THIS_DEVICE,
    MESSAGES,
    MFA_FAILED,
    NO_WORDING,
    RESYNC_REJECTED,
    SIGNIN_FAILED,
    TWO_CONSECUTIVE_CODES,
    TWO_NEW_CODES,
    Wording,
    message_for,
)
from twostep.console.i18n import load_catalogs
from twostep.identity.errors import (
    IdentityError,
    InvalidName,
    PasswordRejected,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
    UserAlreadyExists,
)
from twostep.identity.password_policy import PasswordPolicy
from twostep.mfa.errors import (
    CodeRejected,
    DeviceAlreadyExists,
    DeviceInUse,
    DeviceLimitExceeded,
    DeviceNotAssignedToUser,
    InvalidDeviceName,
    MfaError,
    NoSuchDevice,
    RejectionReason,
)
from twostep.signin.errors import MfaFailed, SignInFailed

SERIAL = "arn:aws:iam::123456789012:mfa/phone"

# What each console form can meet, with the form's wording: (failure, wording, the message shown).
SHOWN: list[tuple[Exception, Wording, str]] = [
    # sign-in, the MFA step, re-authentication
    (SignInFailed(), NO_WORDING, SIGNIN_FAILED),
    (MfaFailed(ended=False), NO_WORDING, MFA_FAILED),
    # Users
    (UserAlreadyExists("alice"), NO_WORDING, "A user with this name already exists."),
    (InvalidName("..."), NO_WORDING, "User names use 1 to 64 letters, digits and + = , . @ _ - characters."),
    (PasswordTooShort(8), NO_WORDING, "Password should have at least 8 characters."),
    (PasswordTooLong(128), NO_WORDING, "Password should have at most 128 characters."),
    (PasswordTooCommon(), NO_WORDING, "Password is too common; choose one that is harder to guess."),
    # Assign MFA device
    (InvalidDeviceName("..."), NO_WORDING, "Device names use 1 to 226 letters, digits and + = , . @ _ - characters."),
    (
        DeviceAlreadyExists(SERIAL),
        NO_WORDING,
        "An MFA device with this name already exists in this account. Choose another name.",
    ),
    (CodeRejected(RejectionReason.WRONG), TWO_NEW_CODES, next(iter(TWO_NEW_CODES.values()))),
    (DeviceInUse(), TWO_NEW_CODES, "MFA Device is already in use."),
    (DeviceLimitExceeded(), TWO_NEW_CODES, "Cannot exceed quota for MfaDevicesPerUser: 8"),
    # Resync, on Security credentials and at sign-in: whatever failed
    (CodeRejected(RejectionReason.LOCKED), TWO_CONSECUTIVE_CODES, RESYNC_REJECTED),
    (DeviceNotAssignedToUser(SERIAL), TWO_CONSECUTIVE_CODES, RESYNC_REJECTED),
    (NoSuchDevice(SERIAL), TWO_CONSECUTIVE_CODES, RESYNC_REJECTED),
    # Remove
    (CodeRejected(RejectionReason.REPLAYED), CODE_OF_THIS_DEVICE, next(iter(CODE_OF_THIS_DEVICE.values()))),
]


@pytest.mark.parametrize(("failure", "wording", "message"), SHOWN, ids=lambda v: type(v).__name__)
def test_every_failure_a_form_shows_has_its_message(failure: Exception, wording: Wording, message: str) -> None:
    assert message_for(failure, wording) == message


def test_every_message_reads_in_korean() -> None:
    ko = load_catalogs().get("ko")
    wordings = (TWO_NEW_CODES, TWO_CONSECUTIVE_CODES, CODE_OF_THIS_DEVICE)
    for message in {*MESSAGES.values(), *(m for w in wordings for m in w.values())}:
        assert ko.gettext(message) != message, message


def test_a_rejected_code_reads_the_same_whatever_the_reason() -> None:
    for wording in (NO_WORDING, TWO_NEW_CODES, TWO_CONSECUTIVE_CODES, CODE_OF_THIS_DEVICE):
        assert len({message_for(CodeRejected(reason), wording) for reason in RejectionReason}) == 1


def test_a_failure_the_table_does_not_name_keeps_the_domains_text() -> None:
    # A device removed meanwhile (Remove answers 409 with IAM's own text, which names the serial).
    assert message_for(NoSuchDevice(SERIAL)) is None
    assert message_for(DeviceNotAssignedToUser(SERIAL), CODE_OF_THIS_DEVICE) is None
    assert message_for(MfaError()) is None and message_for(IdentityError()) is None


def test_the_password_rules_are_told_apart_by_class() -> None:
    policy = PasswordPolicy()
    for password, rule in (("short", PasswordTooShort), ("x" * 129, PasswordTooLong), ("password1", PasswordTooCommon)):
        with pytest.raises(rule) as raised:
            policy.check(password)
        assert isinstance(raised.value, PasswordRejected)
        # The console's words are the domain's own (IAM's wording), only translated.
        assert message_for(raised.value) == str(raised.value)


def test_the_names_the_console_submits_are_worded_as_the_domain_words_them(services: Services) -> None:
    _, root = services.identity.create_account("owner@example.com", "correct horse battery")
    with pytest.raises(InvalidName) as user_name:
        services.identity.create_user(root.account_id, "bad name", actor=root)
    with pytest.raises(InvalidDeviceName) as device_name:
        services.mfa.start_enrolment(root, "bad name")
    for raised in (user_name, device_name):
        assert message_for(raised.value) == str(raised.value)
    for fixed in (DeviceInUse(), DeviceLimitExceeded()):
        assert message_for(fixed) == str(fixed)
