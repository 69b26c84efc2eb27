"""Server-side validation with AWS's ValidationError text, on raw botocore-signed requests (no boto3 checks), and
no 5xx for bad input."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator

import pytest

from tests.awsapi.iam_support import iam_client, module_server, signed_post
from tests.server_harness import RunningServer
from twostep.awsapi.iam.operations import IAM_HANDLERS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with module_server(tmp_path_factory, "iam-validation") as running:
        yield running


def error(response_text: str) -> tuple[str, str]:
    code = re.search(r"<Code>(.*?)</Code>", response_text)
    message = re.search(r"<Message>(.*?)</Message>", response_text, re.DOTALL)
    assert code is not None, response_text
    return code.group(1), message.group(1) if message else ""


def test_a_user_name_longer_than_64(server: RunningServer) -> None:
    name = "u" * 65
    answer = signed_post(server, {"Action": "CreateUser", "UserName": name})
    assert answer.status_code == 400
    assert error(answer.text) == (
        "ValidationError",
        f"1 validation error detected: Value '{name}' at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
    )
    assert "<Type>Sender</Type>" in answer.text


def test_authentication_codes_must_be_six_digits(server: RunningServer) -> None:
    answer = signed_post(
        server,
        {
            "Action": "EnableMFADevice",
            "UserName": "admin",
            "SerialNumber": f"arn:aws:iam::{server.account_id}:mfa/x",
            "AuthenticationCode1": "12345",
            "AuthenticationCode2": "12345a",
        },
    )
    assert answer.status_code == 400
    code, message = error(answer.text)
    assert code == "ValidationError"
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value '12345' at 'authenticationCode1' failed to satisfy constraint: "
        "Member must have length greater than or equal to 6" in message
    )
    assert (
        "Value '12345a' at 'authenticationCode2' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\d]+" in message
    )


def test_enums_ranges_and_required_members(server: RunningServer) -> None:
    bad_enum = signed_post(server, {"Action": "ListVirtualMFADevices", "AssignmentStatus": "Maybe"})
    assert error(bad_enum.text) == (
        "ValidationError",
        "1 validation error detected: Value 'Maybe' at 'assignmentStatus' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Assigned, Unassigned, Any]",
    )
    too_many = signed_post(server, {"Action": "ListUsers", "MaxItems": "1001"})
    assert error(too_many.text) == (
        "ValidationError",
        "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )
    missing = signed_post(server, {"Action": "DeleteUser"})
    assert error(missing.text) == (
        "ValidationError",
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    )
    not_a_number = signed_post(server, {"Action": "ListUsers", "MaxItems": "many"})
    assert not_a_number.status_code == 400 and error(not_a_number.text)[0] == "MalformedInput"


def test_unknown_action(server: RunningServer) -> None:
    answer = signed_post(server, {"Action": "MakeMeAdmin"})
    assert answer.status_code == 400
    assert error(answer.text) == ("InvalidAction", "Could not find operation MakeMeAdmin for version 2010-05-08")


def test_create_login_profile_needs_a_password(server: RunningServer) -> None:
    iam_client(server).create_user(UserName="nopass")
    answer = signed_post(server, {"Action": "CreateLoginProfile", "UserName": "nopass"})
    assert answer.status_code == 400
    assert error(answer.text)[0] == "ValidationError"


def test_no_server_errors_for_random_input(server: RunningServer) -> None:
    """Every IAM action, with random values for its usual parameters: always an answer, never a 5xx."""
    rng = random.Random(20261127)
    alphabet = string.printable + "éü€\u200b\x00"
    names = ["UserName", "SerialNumber", "PolicyArn", "PolicyName", "PolicyDocument", "Marker", "MaxItems", "Path"]
    names += ["AuthenticationCode1", "AuthenticationCode2", "AccessKeyId", "Status", "Password", "VirtualMFADeviceName"]
    names += ["Tags.member.1.Key", "Tags.member.1.Value", "TagKeys.member.1", "AssignmentStatus", "PathPrefix"]
    for _, action in sorted(IAM_HANDLERS):
        for _ in range(4):
            form = {"Action": action}
            for name in rng.sample(names, 5):
                form[name] = "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 6, 20, 70, 400])))
            answer = signed_post(server, form)
            assert answer.status_code < 500, (action, form, answer.text)
            assert answer.headers["content-type"].startswith("text/xml")
