"""The IAM User Guide's self-managed-MFA pattern, written out here in our own words.

The guide's example (reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only) lets an IAM user see
the account's virtual MFA devices, create a virtual device, and enable, list and resync MFA on their own user,
while a Deny with NotAction and ``BoolIfExists aws:MultiFactorAuthPresent false`` refuses everything else until
the caller signs in with MFA. The statements below follow that shape, not its text.
"""

from __future__ import annotations

import json

import pytest

from twostep.policy.language import ContextValue, Decision, RequestContext, evaluate, explain, parse_policy

ACCOUNT = "123456789012"
OWN_USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
OTHER_USER = f"arn:aws:iam::{ACCOUNT}:user/bob"
OWN_DEVICE = f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone"

# Needed before MFA is in place, so exempt from the deny below.
BOOTSTRAP_ACTIONS = [
    "iam:ListVirtualMFADevices",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:ResyncMFADevice",
    "iam:ListMFADevices",
    "iam:GetUser",
    "sts:GetSessionToken",
]

SELF_MANAGE_MFA = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SeeVirtualDevices", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
            {
                "Sid": "CreateAndDeleteVirtualDevices",
                "Effect": "Allow",
                "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
                "Resource": "arn:aws:iam::*:mfa/*",
            },
            {
                "Sid": "ManageMfaOfOwnUser",
                "Effect": "Allow",
                "Action": [
                    "iam:EnableMFADevice",
                    "iam:ResyncMFADevice",
                    "iam:ListMFADevices",
                    "iam:GetUser",
                    "iam:DeactivateMFADevice",
                ],
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            },
            {
                "Sid": "NothingElseWithoutMfa",
                "Effect": "Deny",
                "NotAction": BOOTSTRAP_ACTIONS,
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
)

ALLOW, IMPLICIT, EXPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY

LONG_TERM_KEY: dict[str, ContextValue] = {"aws:username": "alice", "aws:PrincipalAccount": ACCOUNT}
SESSION_WITHOUT_MFA: dict[str, ContextValue] = {**LONG_TERM_KEY, "aws:MultiFactorAuthPresent": False}
MFA_SESSION: dict[str, ContextValue] = {
    **LONG_TERM_KEY,
    "aws:MultiFactorAuthPresent": True,
    "aws:MultiFactorAuthAge": 42,
}


def decide(action: str, resource: str, keys: dict[str, ContextValue]) -> Decision:
    return evaluate([parse_policy(SELF_MANAGE_MFA)], RequestContext(action, resource, keys))


# A long-term access key carries no aws:MultiFactorAuthPresent at all, and is treated like a session without MFA.
@pytest.mark.parametrize("keys", [LONG_TERM_KEY, SESSION_WITHOUT_MFA], ids=["long-term key", "session without MFA"])
@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("iam:CreateVirtualMFADevice", OWN_DEVICE, ALLOW),
        ("iam:EnableMFADevice", OWN_USER, ALLOW),
        ("iam:ListMFADevices", OWN_USER, ALLOW),
        ("iam:ResyncMFADevice", OWN_USER, ALLOW),
        ("iam:ListVirtualMFADevices", "*", ALLOW),
        ("iam:GetUser", OWN_USER, ALLOW),
        ("iam:ListUsers", "*", EXPLICIT),
        ("iam:DeactivateMFADevice", OWN_USER, EXPLICIT),  # turning MFA off needs MFA
        ("iam:DeleteVirtualMFADevice", OWN_DEVICE, EXPLICIT),
        ("iam:CreateAccessKey", OWN_USER, EXPLICIT),
        ("iam:EnableMFADevice", OTHER_USER, IMPLICIT),  # exempt from the deny, but never allowed
        ("iam:ListMFADevices", OTHER_USER, IMPLICIT),
    ],
)
def test_without_mfa(keys: dict[str, ContextValue], action: str, resource: str, expected: Decision) -> None:
    assert decide(action, resource, keys) is expected


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("iam:CreateVirtualMFADevice", OWN_DEVICE, ALLOW),
        ("iam:EnableMFADevice", OWN_USER, ALLOW),
        ("iam:DeactivateMFADevice", OWN_USER, ALLOW),
        ("iam:DeleteVirtualMFADevice", OWN_DEVICE, ALLOW),
        ("iam:ListUsers", "*", IMPLICIT),  # no longer denied, but this policy grants nothing more
        ("iam:DeactivateMFADevice", OTHER_USER, IMPLICIT),
        ("iam:EnableMFADevice", OTHER_USER, IMPLICIT),
        ("iam:GetUser", OTHER_USER, IMPLICIT),
    ],
)
def test_with_mfa(action: str, resource: str, expected: Decision) -> None:
    assert decide(action, resource, MFA_SESSION) is expected


def test_explanation_names_the_deny() -> None:
    document = parse_policy(SELF_MANAGE_MFA)
    explanation = explain([document], RequestContext("iam:ListUsers", "*", LONG_TERM_KEY))
    assert explanation.decision is EXPLICIT
    assert explanation.statement is not None and explanation.statement.sid == "NothingElseWithoutMfa"
    assert explanation.policy is document


def test_another_policy_cannot_lift_the_deny() -> None:
    admin = parse_policy(
        json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    )
    mfa_only = parse_policy(SELF_MANAGE_MFA)
    assert evaluate([admin, mfa_only], RequestContext("iam:ListUsers", "*", LONG_TERM_KEY)) is EXPLICIT
    assert evaluate([admin, mfa_only], RequestContext("iam:ListUsers", "*", MFA_SESSION)) is ALLOW
