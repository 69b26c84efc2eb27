"""The names a policy document holds, as IAM's parser checks them: actions, resource ARNs, trust principals.

IAM User Guide, "IAM JSON policy elements: Action" (``vendor:Action``, or ``*``), "IAM identifiers" (the ARN
format ``arn:partition:service:region:account:resource``) and "AWS JSON policy elements: Principal"; the
messages are IAM's own (errors.py). The policy variables inside an ARN (``${aws:username}``) keep their colons.
"""

from __future__ import annotations

import re

from twostep.policy.language import errors
from twostep.policy.language.errors import MalformedPolicyDocument

# "AWS" principals: "*", an account id, an account's root, a user, a role or an assumed-role session.
_AWS_PRINCIPAL = re.compile(
    r"\*|\d{12}|arn:aws:iam::\d{12}:(?:root|(?:user|role)(?:/[\x21-\x7e]*)?/[\w+=,.@-]+)"
    r"|arn:aws:sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+",
    re.ASCII,
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?", re.ASCII)
_VENDOR = re.compile(r"[A-Za-z0-9.-]+")
_PARTITION = re.compile(r"aws(?:-[a-z]+)*")
_ANY_VARIABLE = re.compile(r"\$\{[^}]*\}")
_IAM_PATHS = (
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
    "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
)  # fmt: skip


def valid_principal(kind: str, identifier: str) -> bool:
    """Whether a trust policy may name ``identifier`` as a principal of type ``kind`` (AWS, Service, ...)."""
    if kind == "AWS":
        return _AWS_PRINCIPAL.fullmatch(identifier) is not None
    if kind == "Service":
        return identifier == "*" or _SERVICE_PRINCIPAL.fullmatch(identifier) is not None
    return identifier != ""


def arn_parts(resource: str) -> list[str]:
    """The colon-separated components, leaving alone the colons inside policy variables (``${aws:username}``)."""
    masked = _ANY_VARIABLE.sub(lambda found: "_" * len(found.group()), resource)
    cuts = [index for index, char in enumerate(masked) if char == ":"]
    return [resource[start + 1 : end] for start, end in zip([-1, *cuts], [*cuts, len(resource)], strict=True)]


def legacy_bad_arn(resource: str) -> bool:
    """What IAM's older parser refuses: an ARN with a known partition but four or five components, or no
    service (three components pass)."""
    parts = arn_parts(resource)
    if len(parts) < 4 or _PARTITION.fullmatch(parts[1]) is None:
        return False
    return len(parts) < 6 or parts[2] == ""


def check_action(action: str) -> None:
    if action == "*":
        return
    parts = action.split(":")
    if len(parts) == 1:
        raise MalformedPolicyDocument(errors.NO_VENDOR)
    if len(parts) > 2:
        raise MalformedPolicyDocument(errors.ONE_COLON)
    if _VENDOR.fullmatch(parts[0]) is None:
        raise MalformedPolicyDocument(f"Vendor {parts[0]} is not valid")


def check_resource(resource: str) -> None:
    """IAM User Guide, "IAM identifiers" (ARN format): ``arn:partition:service:region:account:resource``."""
    if resource == "*":
        return
    parts = arn_parts(resource)
    if len(parts) == 1:
        raise MalformedPolicyDocument(f'Resource {resource} must be in ARN format or "*".')
    if _PARTITION.fullmatch(parts[1]) is None:
        # IAM spells the resource back as an ARN, "*" standing in for the components that are missing.
        middle = [*parts[2:5], *["*"] * (3 - len(parts[2:5]))]
        shown = ":".join(["arn", parts[1], *middle, ":".join(parts[5:]) or "*"])
        raise MalformedPolicyDocument(f'Partition "{parts[1]}" is not valid for resource "{shown}".')
    if len(parts) == 2:
        raise MalformedPolicyDocument(errors.VENDOR_NOT_QUALIFIED)
    if len(parts) < 6:
        return
    service, region, path = parts[2], parts[3], ":".join(parts[5:])
    if service == "iam" and region:
        raise MalformedPolicyDocument(f"IAM resource {resource} cannot contain region information.")
    if service == "s3" and region:
        raise MalformedPolicyDocument(f"Resource {resource} can not contain region information.")
    if service == "iam" and path != "*" and not path.startswith(_IAM_PATHS):
        raise MalformedPolicyDocument(
            'IAM resource path must either be "*" or start with ' + ", ".join(_IAM_PATHS) + "."
        )
