"""Why IAM refuses a policy document.

IAM answers CreatePolicy / PutUserPolicy with the error code ``MalformedPolicyDocument`` and a short English
message (IAM API Reference: CreatePolicy, PutUserPolicy). The messages below are IAM's own wording, as
recorded from real responses; callers show ``message`` unchanged.
"""

from __future__ import annotations

SYNTAX_ERRORS = "Syntax errors in policy."
NO_PRINCIPAL = "Policy document should not specify a principal."
LEGACY_PARSING = "The policy failed legacy parsing"
VERSION_TOO_OLD = "Policy document must be version 2012-10-17 or greater."
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
VENDOR_NOT_QUALIFIED = "Resource vendor must be fully qualified and cannot contain regexes."


class MalformedPolicyDocument(Exception):
    """The document is not a valid identity-based policy; ``message`` is IAM's text for the first problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyTooLarge(MalformedPolicyDocument):
    """The document exceeds the size quota.

    IAM reports this one with the error code ``LimitExceeded`` rather than ``MalformedPolicyDocument``
    (IAM User Guide: IAM and AWS STS quotas, "IAM doesn't count white space"), so it carries the numbers an
    adapter needs to say so. It stays a MalformedPolicyDocument so that parse_policy has one failure type.
    """

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"Cannot exceed quota for PolicySize: {limit}")
        self.size = size
        self.limit = limit
