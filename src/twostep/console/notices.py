"""The one-line confirmations a page shows after a redirect, named in its query string (?notice=...)."""

from __future__ import annotations

from twostep.console.i18n import N_

# One-line confirmations after a redirect, named in the query string (?notice=...): never free text.
NOTICES = {
    "assigned": N_("The MFA device was assigned. From now on, signing in asks for a code from it."),
    "passkey-assigned": N_("The passkey or security key was assigned. From now on, signing in asks for it."),
    "resynced": N_("The MFA device was resynchronised."),
    "device-renamed": N_(
        "The device was renamed and keeps its secret key: if you already scanned the QR code, the entry in your "
        "app keeps working (its label shows the old name)."
    ),
    "removed": N_("The MFA device was removed."),
    "user-created": N_("The user was created."),
    "device-deactivated": N_("The user's MFA device was deactivated, and the user's console sessions ended."),
    "signed-out": N_("You signed out."),
    "signed-out-everywhere": N_("You signed out of every session."),
    # Shown to whoever still holds the cookie of a session a change ended (S18; Console.session_ended).
    "mfa-changed": N_("Your session ended because the MFA devices of your user changed. Sign in again."),
    "password-changed": N_("Your session ended because your password changed. Sign in again."),
    "ended-by-admin": N_("Your session was ended by an administrator. Sign in again."),
    "mfa-ended": N_(
        "Too many failed attempts. Sign in again; if your codes keep failing, resync your MFA device from the "
        "multi-factor authentication page."
    ),
    "device-resynced": N_("Your MFA device was resynchronised. Enter the next code it shows."),
    "recovery-codes-saved": N_("Your recovery codes are saved. Keep them somewhere safe, apart from your MFA device."),
    "recovery-session": N_(
        "You signed in using alternative factors. Assign a new MFA device (or remove the lost one) to continue."
    ),
    "mfa-requirement-saved": N_("The MFA requirement for console users was saved."),
    # a user's page (user_*_pages.py)
    "access-key-activated": N_("The access key is active."),
    "access-key-deactivated": N_("The access key is inactive. Requests signed with it are refused."),
    "access-key-deleted": N_("The access key was deleted."),
    "console-password-created": N_("Console access is enabled: the user signs in with this password."),
    "console-password-reset": N_("The console password was reset, and the user's console sessions ended."),
    "console-password-removed": N_("Console access is disabled, and the user's console sessions ended."),
    "password-reset-required": N_("The user must set a new password at the next sign-in."),
    "group-added": N_("The user was added to the group."),
    "group-removed": N_("The user was removed from the group."),
    "policy-attached": N_("The policy was attached."),
    "policy-detached": N_("The policy was detached."),
    "inline-policy-saved": N_("The inline policy was saved."),
    "inline-policy-deleted": N_("The inline policy was deleted."),
    "user-deleted": N_("The user was deleted."),
    "password-updated": N_("Your password was changed. Your other console sessions were signed out."),
}
