"""Domain failures as the console words them: the one table, keyed by exception class (as awsapi/domain_errors.py
is for the API).

An entry is looked up along the exception's MRO, so the most specific one wins. Messages are msgids of the
console's catalogs, translated where they are shown. A rejected code reads the same whatever the reason (S13), in
the words of the form that asked for it: a form's own wording (below the table) comes before the table. A failure
that neither names (a device removed meanwhile, named by its serial) shows the domain's own text, as IAM words it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from twostep.console.i18n import N_
from twostep.groups import errors as groups
from twostep.identity import errors as identity
from twostep.mfa import errors as mfa
from twostep.passkeys import errors as passkeys
from twostep.policy.language.errors import PolicyTooLarge
from twostep.policy.stored import errors as policies
from twostep.signin.errors import MfaFailed, SignInFailed

Wording = Mapping[type[Exception], str]
ReasonWording = Mapping[mfa.RejectionReason, str]


@dataclass(frozen=True)
class Plural:
    """A message with a plural form: its msgids, translated with the count where it is shown."""

    singular: str
    plural: str


def ngettext(singular: str, plural: str) -> Plural:
    """Mark a message with a plural form for extraction (the `ngettext` keyword of tests/console/test_i18n.py)."""
    return Plural(singular, plural)


# S13: one message for an unknown user, a wrong password and a throttled attempt.
SIGNIN_FAILED = N_("Your authentication information is incorrect. Please try again.")
MFA_FAILED = N_("The MFA code is not valid. Enter a new code from your device and try again.")

MESSAGES: Mapping[type[Exception], str] = {
    # sign-in and re-authentication
    SignInFailed: SIGNIN_FAILED,
    MfaFailed: MFA_FAILED,
    # users: the console creates users at path "/", so an invalid name is always the user name; the password
    # policy's bounds are identity.password_policy.PasswordPolicy's
    identity.UserAlreadyExists: N_("A user with this name already exists."),
    identity.InvalidName: N_("User names use 1 to 64 letters, digits and + = , . @ _ - characters."),
    identity.PasswordTooShort: N_("Password should have at least 8 characters."),
    identity.PasswordTooLong: N_("Password should have at most 128 characters."),
    identity.PasswordTooCommon: N_("Password is too common; choose one that is harder to guess."),
    # a user's credentials and permissions (user_*_pages.py); changed meanwhile by someone else, or at a quota
    identity.AccessKeyLimit: N_("This user already has 2 access keys, the most a user may have. Delete one first."),
    identity.NoSuchAccessKey: N_("This access key does not exist (any more). Reload the page."),
    identity.LoginProfileExists: N_("This user already has a console password."),
    identity.NoLoginProfile: N_("This user has no console password."),
    identity.UserHasDependents: N_("The user still has credentials, policies or groups: remove them first."),
    identity.NoSuchUser: N_("The user does not exist (any more). Reload the page."),
    groups.NoSuchGroup: N_("The group does not exist (any more). Reload the page."),
    groups.NotAMember: N_("The user is not a member of this group (any more)."),
    groups.GroupLimitExceeded: N_("A user may be in at most 10 groups. Remove the user from a group first."),
    policies.NoSuchPolicy: N_("The policy does not exist (any more), or is not attached to this user."),
    policies.InvalidPolicyName: N_("Policy names use 1 to 128 letters, digits and + = , . @ _ - characters."),
    policies.PolicyLimitExceeded: N_(
        "This would exceed the user's quota: at most 10 managed policies, and 2,048 characters of inline "
        "policies (white space not counted)."
    ),
    PolicyTooLarge: N_("The policy document is too large: a user's inline policies hold at most 2,048 characters."),
    identity.PasswordUnchanged: N_("The new password must be different from the current password."),
    # MFA devices: the console creates devices at path "/", so an invalid name is always the device name
    mfa.CodeRejected: MFA_FAILED,
    mfa.InvalidDeviceName: N_("Device names use 1 to 226 letters, digits and + = , . @ _ - characters."),
    mfa.DeviceAlreadyExists: N_("An MFA device with this name already exists in this account. Choose another name."),
    mfa.DeviceInUse: N_("MFA Device is already in use."),
    mfa.DeviceLimitExceeded: N_("Cannot exceed quota for MfaDevicesPerUser: 8"),
    # passkeys and security keys
    passkeys.PasskeyNameInvalid: N_("Passkey names use 1 to 128 letters, digits and + = , . @ _ - characters."),
    passkeys.MalformedPayload: N_("The response from your browser could not be read. Try again."),
    passkeys.RegistrationRefused: N_(
        "The passkey or security key could not be registered. Try again, and answer your browser's prompt."
    ),
    passkeys.CredentialAlreadyRegistered: N_("This passkey or security key is already registered."),
}

NO_WORDING: Wording = {}

# After the password step (the MFA page, re-authentication, the Security credentials forms) a rejected code may say
# why, when the reason is one the user can act on: the half-signed-in user already proved the password, so this
# reveals nothing an outsider could learn (S13: the password step itself still answers every failure alike).
CODE_ALREADY_USED = N_("That code was already used; wait for the next one.")
TRY_AGAIN_IN = ngettext(
    "Too many attempts; try again in %(num)s second.", "Too many attempts; try again in %(num)s seconds."
)
CODE_REASONS: ReasonWording = {mfa.RejectionReason.REPLAYED: CODE_ALREADY_USED}
# A recovery code has no "next one": a spent one reads like any other failure.
NO_REASONS: ReasonWording = {}

# A passkey's assertion at sign-in or re-authentication: not about codes.
PASSKEY_FAILED = N_("Your passkey or security key was not accepted. Try again, or choose another MFA device.")
PASSKEY_WORDING: Wording = {MfaFailed: PASSKEY_FAILED, mfa.CodeRejected: PASSKEY_FAILED}
# Assign MFA device, second step: the first two codes of a new device.
TWO_NEW_CODES: Wording = {
    mfa.CodeRejected: N_(
        "The MFA codes are not valid. Enter the code your app shows as MFA code 1, "
        "wait for the next code and enter it as MFA code 2."
    ),
}
# Resync (on Security credentials and at sign-in): any failure, the device's own included, reads the same.
RESYNC_REJECTED = N_("The MFA codes are not valid. Enter two consecutive codes from your device and try again.")
TWO_CONSECUTIVE_CODES: Wording = {mfa.MfaError: RESYNC_REJECTED}
# Remove: a current code of the device being removed.
CODE_OF_THIS_DEVICE: Wording = {
    mfa.CodeRejected: N_("The MFA code is not valid. Enter a new code from this device and try again."),
}


# A recovery code (confirming a new set, signing in using alternative factors): one message whatever the reason.
RECOVERY_CODE_REJECTED = N_("The recovery code is not valid. Check it and try again; each code works once.")
RECOVERY_CODE_WORDING: Wording = {mfa.CodeRejected: RECOVERY_CODE_REJECTED, MfaFailed: RECOVERY_CODE_REJECTED}


def wait_seconds(failure: Exception) -> int | None:
    """The whole seconds a throttled code check asks to wait (the verifier's delay, rounded up), else None."""
    if not isinstance(failure, (mfa.CodeRejected, MfaFailed)) or failure.reason is not mfa.RejectionReason.THROTTLED:
        return None
    return max(1, math.ceil(failure.retry_after or 0))


def reason_message(failure: Exception, reasons: ReasonWording) -> str | None:
    """The msgid that says why a code was rejected, when the form's reasons name it."""
    if isinstance(failure, (mfa.CodeRejected, MfaFailed)) and failure.reason is not None:
        return reasons.get(failure.reason)
    return None


def message_for(failure: Exception, wording: Wording = NO_WORDING) -> str | None:
    """The msgid for a domain failure: the form's own wording first, then the table; None if neither names it."""
    for table in (wording, MESSAGES):
        for cls in type(failure).__mro__:
            if cls in table:
                return table[cls]
    return None
