"""Audit events as CloudTrail records (AWS CloudTrail User Guide, "CloudTrail record contents"), one JSON object per
line, so tools written for CloudTrail logs (and people who know them) read twostep's audit log as they are.

twostep-specific events keep their names (MfaCodeRejected, MfaDeviceLocked, UnlockMFADevice, ...) and take the
event source of the path they happened on: a code rejected at console sign-in is a signin event, one rejected by
GetSessionToken an STS event. Details become requestParameters; they never hold a code, seed, password or secret
(S23), so nothing is filtered here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from twostep.audit.events import RecordedEvent

EVENT_VERSION = "1.08"
SIGNIN = "signin.amazonaws.com"
IAM = "iam.amazonaws.com"
STS = "sts.amazonaws.com"
# IAM and the console sign-in are global services; AWS records their events in us-east-1.
REGION = "us-east-1"
# A fixed namespace: exporting the same event twice gives the same eventID.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c7a2e-3b0d-4c55-9a8e-2f6b1d0c9e41")

SIGNIN_EVENTS = frozenset({"ConsoleLogin", "ConsoleReauthentication", "SignOutEverywhere", "CheckMfa"})
STS_EVENTS = frozenset({"GetSessionToken", "AssumeRole", "GetCallerIdentity"})
# Where a code was checked (the verifier records it as details.purpose) decides the source of its failures.
PURPOSE_SOURCES = {"ConsoleLogin": SIGNIN, "ConsoleReauthentication": SIGNIN, "GetSessionToken": STS, "AssumeRole": STS}

ERROR_MESSAGES = {
    "wrong": "The MFA code is not valid.",
    "malformed": "The MFA code is not six digits.",
    "replayed": "The MFA code was already used.",
    "throttled": "Too many attempts; the code was not evaluated.",
    "locked": "The MFA device is locked after too many failed codes.",
}


def event_source(recorded: RecordedEvent) -> str:
    name = recorded.event.event_name
    if name in SIGNIN_EVENTS:
        return SIGNIN
    if name in STS_EVENTS:
        return STS
    purpose = recorded.event.details.get("purpose")
    if isinstance(purpose, str) and purpose in PURPOSE_SOURCES:
        return PURPOSE_SOURCES[purpose]
    return IAM


def user_identity(actor: str | None, account_id: str | None) -> dict[str, Any]:
    """The caller, from the ARN twostep recorded: arn:aws:iam::ACCOUNT:root or arn:aws:iam::ACCOUNT:user/PATH/NAME."""
    if not actor:
        return {"type": "Unknown", "accountId": account_id} if account_id else {"type": "Unknown"}
    parts = actor.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    arn_account = parts[4] if len(parts) == 6 else account_id
    if resource == "root":
        # CloudTrail names no userName for the root user (the principal is the account itself).
        return {"type": "Root", "principalId": arn_account, "arn": actor, "accountId": arn_account}
    if resource.startswith("user/"):
        return {"type": "IAMUser", "arn": actor, "accountId": arn_account, "userName": resource.rsplit("/", 1)[-1]}
    if resource.startswith("assumed-role/"):
        return {"type": "AssumedRole", "arn": actor, "accountId": arn_account}
    return {"type": "Unknown", "arn": actor, "accountId": arn_account}


def event_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_id(recorded: RecordedEvent) -> str:
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{recorded.chain}/{recorded.seq}/{recorded.hash}"))


def to_cloudtrail(recorded: RecordedEvent) -> dict[str, Any]:
    event = recorded.event
    source = event_source(recorded)
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(event.actor, event.account_id),
        "eventTime": event_time(event.at),
        "eventSource": source,
        "eventName": event.event_name,
        "awsRegion": REGION,
        "sourceIPAddress": event.source_ip,
        "requestParameters": dict(event.details) or None,
        "responseElements": None,
        "eventID": event_id(recorded),
        "readOnly": False,
        "eventType": "AwsConsoleSignIn" if source == SIGNIN else "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": event.account_id,
        # Where the record sits in twostep's hash chain, to find it again with `twostep audit verify`.
        "twostep": {"chain": recorded.chain, "seq": recorded.seq, "hash": recorded.hash},
    }
    if event.event_name in ("ConsoleLogin", "ConsoleReauthentication"):
        record["responseElements"] = {event.event_name: "Failure" if event.error_code else "Success"}
        record["additionalEventData"] = {"MFAUsed": "Yes" if event.mfa_used else "No"}
    elif event.mfa_used is not None:
        record["additionalEventData"] = {"MFAUsed": "Yes" if event.mfa_used else "No"}
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = ERROR_MESSAGES.get(event.error_code, event.error_code)
    return record
