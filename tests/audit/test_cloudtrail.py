"""Audit events as CloudTrail records: the fields and values CloudTrail readers expect."""

from __future__ import annotations

import re
import uuid

from twostep.audit.cloudtrail import to_cloudtrail
from twostep.audit.events import AuditEvent, RecordedEvent

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/team/alice"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone"


def recorded(event: AuditEvent, seq: int = 1) -> RecordedEvent:
    return RecordedEvent(ACCOUNT, seq, event, "0" * 64, f"{seq:064x}")


def test_console_login_with_mfa() -> None:
    record = to_cloudtrail(
        recorded(
            AuditEvent("ConsoleLogin", ACCOUNT, 1_800_000_000.5, actor=ALICE, source_ip="192.0.2.7", mfa_used=True)
        )
    )
    assert record["eventTime"] == "2027-01-15T08:00:00Z"
    assert record["eventName"] == "ConsoleLogin"
    assert record["eventSource"] == "signin.amazonaws.com"
    assert record["eventType"] == "AwsConsoleSignIn"
    assert record["userIdentity"] == {"type": "IAMUser", "arn": ALICE, "accountId": ACCOUNT, "userName": "alice"}
    assert record["sourceIPAddress"] == "192.0.2.7"
    assert record["additionalEventData"] == {"MFAUsed": "Yes"}
    assert record["responseElements"] == {"ConsoleLogin": "Success"}
    assert record["recipientAccountId"] == ACCOUNT
    assert "errorCode" not in record and "errorMessage" not in record
    assert uuid.UUID(record["eventID"])


def test_failed_console_login_of_the_root_user() -> None:
    event = AuditEvent("ConsoleLogin", ACCOUNT, 1_800_000_000, actor=ROOT, error_code="Failed authentication")
    record = to_cloudtrail(recorded(event))
    assert record["userIdentity"] == {"type": "Root", "principalId": ACCOUNT, "arn": ROOT, "accountId": ACCOUNT}
    assert record["additionalEventData"] == {"MFAUsed": "No"}
    assert record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert record["errorCode"] == "Failed authentication"
    assert record["errorMessage"] == "Failed authentication"


def test_a_replayed_code_takes_the_source_of_its_path() -> None:
    details = {"serialNumber": SERIAL, "purpose": "GetSessionToken"}
    event = AuditEvent("MfaCodeRejected", ACCOUNT, 1_800_000_000, actor=ALICE, error_code="replayed", details=details)
    record = to_cloudtrail(recorded(event))
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["errorCode"] == "replayed"
    assert "already used" in record["errorMessage"]
    assert record["requestParameters"] == details
    signin = AuditEvent("MfaCodeRejected", ACCOUNT, 0, error_code="wrong", details={"purpose": "ConsoleLogin"})
    assert to_cloudtrail(recorded(signin))["eventSource"] == "signin.amazonaws.com"


def test_iam_and_sts_events() -> None:
    enable = AuditEvent(
        "EnableMFADevice", ACCOUNT, 0, actor=ROOT, details={"userName": "alice", "serialNumber": SERIAL}
    )
    record = to_cloudtrail(recorded(enable))
    assert record["eventSource"] == "iam.amazonaws.com" and record["eventType"] == "AwsApiCall"
    assert record["requestParameters"] == {"userName": "alice", "serialNumber": SERIAL}
    assert record["responseElements"] is None and "additionalEventData" not in record
    sts = AuditEvent("GetSessionToken", ACCOUNT, 0, actor=ALICE, mfa_used=True, details={"durationSeconds": 900})
    record = to_cloudtrail(recorded(sts))
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["additionalEventData"] == {"MFAUsed": "Yes"}


def test_event_ids_are_stable_and_distinct() -> None:
    event = AuditEvent("CreateUser", ACCOUNT, 0, actor=ROOT)
    assert to_cloudtrail(recorded(event, 1))["eventID"] == to_cloudtrail(recorded(event, 1))["eventID"]
    assert to_cloudtrail(recorded(event, 1))["eventID"] != to_cloudtrail(recorded(event, 2))["eventID"]


def test_event_time_is_iso_8601_utc() -> None:
    for at in (0.0, 1_700_000_000.999, 4_102_444_800.0):
        stamp = to_cloudtrail(recorded(AuditEvent("CreateUser", ACCOUNT, at)))["eventTime"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert to_cloudtrail(recorded(AuditEvent("CreateUser", None, 0)))["userIdentity"] == {"type": "Unknown"}
