"""Which audit events are mailed to the account's owner, and what the mail says (S17).

IAM users have no email address in twostep, so every mail goes to the account's root user and names the user the
event is about. The text is built from a few chosen fields (user, device serial, time, address, who acted), never
from the event as a whole: no code, seed, password or secret can reach a mail (S23).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from twostep.audit.events import AuditEvent, RecordedEvent
from twostep.notify.ports import Mail


@dataclass(frozen=True)
class Template:
    subject: str  # {who}
    body: str  # {who}, {device}; {link}, {remaining} and {setting} where the event has them


TEMPLATES = {
    "EnableMFADevice": Template(
        "MFA device added for {who}", "An MFA device ({device}) was enabled for {who}; it now signs in with it."
    ),
    "DeactivateMFADevice": Template(
        "MFA device removed from {who}", "The MFA device {device} was deactivated: {who} no longer signs in with it."
    ),
    "DeleteVirtualMFADevice": Template("MFA device deleted", "The virtual MFA device {device} was deleted."),
    "ResyncMFADevice": Template(
        "MFA device resynchronised for {who}",
        "The MFA device {device} of {who} was resynchronised (this also lifts a lock after failed codes).",
    ),
    "UpdateLoginProfile": Template("Password changed for {who}", "The console password of {who} was changed."),
    "ChangePassword": Template("Password changed for {who}", "The console password of {who} was changed."),
    "MfaDeviceLocked": Template(
        "MFA device locked for {who}",
        "The MFA device {device} of {who} was locked after too many wrong codes. It stays locked until it is "
        "resynchronised with two consecutive codes or an administrator unlocks it.",
    ),
    "PasskeySignCountRegressed": Template(
        "Possibly copied security key for {who}",
        "The passkey or security key {device} of {who} signed in with a signature counter that did not grow, and "
        "was refused: the key may have been copied. Remove it and register a new one.",
    ),
    "MfaCodeRejected": Template(
        "An already used MFA code was tried for {who}",
        "A code from the MFA device {device} of {who} was submitted again after it had been used, and refused. "
        "Someone may have seen or intercepted a recent code.",
    ),
    # Recovery and required MFA (issue 14, docs/recovery.md)
    "SignInRecoveryRequested": Template(
        "Sign-in link for {who} (alternative factors)",
        "Someone entered the password of {who} and asked to sign in using alternative factors, because the MFA "
        "device is lost or unavailable. To continue, open this link in the same browser within 15 minutes, then "
        "enter one of your recovery codes:\n\n{link}\n\nThe link works once. If this was not you, someone knows "
        "the password: do not open the link, sign in and change the password.",
    ),
    "ConsoleLoginWithRecoveryCode": Template(
        "Recovery code used to sign in as {who}",
        "A recovery code was used instead of an MFA device to sign in as {who}; {remaining} recovery codes remain. "
        "Until a new MFA device is assigned (or the lost one deactivated) that session reaches only Security "
        "credentials.",
    ),
    "RegenerateRecoveryCodes": Template(
        "Recovery codes regenerated for {who}",
        "New recovery codes were made for {who}; the earlier ones no longer work.",
    ),
    "RecoveryCodesLocked": Template(
        "Recovery codes locked for {who}",
        "The recovery codes of {who} were locked after too many wrong codes. They stay locked until an "
        "administrator unlocks them (twostep user unlock) or resets MFA (twostep user reset-mfa).",
    ),
    "RecoveryCodeRejected": Template(
        "An already used recovery code was tried for {who}",
        "A recovery code of {who} was submitted again after it had been used, and refused. Someone may have a copy "
        "of the saved codes: regenerate them.",
    ),
    "ResetMFA": Template(
        "MFA reset for {who}",
        "The operator reset MFA for {who} (twostep user reset-mfa): every MFA device was deactivated, every "
        "recovery code spent and every console session ended. {who} must assign a new MFA device.",
    ),
    "UpdateAccountMfaRequirement": Template(
        "MFA requirement changed for the account",
        'The account\'s setting "Require MFA for all console users" is now {setting}.',
    ),
}
RESET_REQUIRED = Template(
    "Password change required for {who}", "{who} must choose a new console password at the next sign-in."
)
NOTIFYING_EVENTS = frozenset(TEMPLATES)

FOOTER = (
    "If you or another administrator of this account did not expect this, sign in, review the account's MFA devices "
    "and passwords, and deactivate what you do not recognise.\n\n"
    "This message never contains codes, passwords or keys; do not answer it with any."
)


def is_notifying(event: AuditEvent) -> bool:
    if event.event_name in ("MfaCodeRejected", "RecoveryCodeRejected"):
        return event.error_code == "replayed"  # a wrong code is routine; a spent one being tried again is not
    return event.event_name in NOTIFYING_EVENTS and event.error_code is None


def subject_user(event: AuditEvent) -> str:
    """Who the event is about: the userName it names, else the acting principal (the one whose code it was)."""
    name = event.details.get("userName")
    if isinstance(name, str) and name:
        return f"IAM user {name}" if name != "root" else "the root user"
    actor = event.actor or ""
    if actor.endswith(":root"):
        return "the root user"
    if ":user/" in actor:
        return "IAM user " + actor.rsplit("/", 1)[-1]
    return "a user of the account"


def _template(event: AuditEvent) -> Template:
    if event.event_name == "UpdateLoginProfile" and event.details.get("passwordResetRequired") is not None:
        return RESET_REQUIRED
    return TEMPLATES[event.event_name]


def compose(recorded: RecordedEvent, to: str, link: str | None = None) -> Mail:
    """The mail for an event; `link` is the sign-in link of a SignInRecoveryRequested event (never in the event
    itself: the dispatcher derives it, signin/recovery_links.py)."""
    event = recorded.event
    who = subject_user(event)
    device = event.details.get("serialNumber")
    template = _template(event)
    fields = {
        "who": who,
        "device": device or "(unnamed)",
        "link": link or "(the link could not be made; ask again)",
        "remaining": event.details.get("remaining", "?"),
        "setting": "on" if event.details.get("requireMfa") else "off",
    }
    when = datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    facts = [
        f"Account: {event.account_id}",
        f"User: {who}",
        f"Time: {when}",
    ]
    if isinstance(device, str):
        facts.append(f"MFA device: {device}")
    if event.source_ip:
        facts.append(f"From address: {event.source_ip}")
    if event.actor:
        facts.append(f"Done by: {event.actor}")
    facts.append(f"Audit event: {event.event_name} (chain {recorded.chain}, #{recorded.seq})")
    body = "\n".join([template.body.format(**fields), "", *facts, "", FOOTER, ""])
    return Mail(
        to=to,
        subject="twostep: " + template.subject.format(who=who),
        body=body,
        headers={"X-Twostep-Event": f"{recorded.chain}/{recorded.seq}"},
    )
