"""AWS API errors and the HTTP status each one travels with.

A query-protocol error is ``<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>..</Code>
<Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`` with an HTTP status
>= 400 (see :func:`twostep.awsapi.protocol.xmlwire.serialize_error`). botocore maps ``Code`` to the
modelled exception class, so the code must be exactly the model's ``error.code``, and the status
comes from the model's ``error.httpStatusCode`` (NoSuchEntity 404, EntityAlreadyExists 409,
InvalidAuthenticationCode 403, ServiceFailure 500, ...). Errors that every AWS service shares
(AccessDenied, InvalidClientTokenId, ValidationError, ...) are not modelled; their statuses are
the ones AWS answers with, listed in :data:`COMMON_ERRORS`.
"""

from __future__ import annotations

from .model import ServiceModel, load_service_model

# Errors common to all AWS query APIs: code -> (HTTP status, sender fault). The AWS "Common
# Errors" reference gives most of these; AccessDenied, ExpiredToken and SignatureDoesNotMatch
# are the statuses IAM and STS answer with (403).
COMMON_ERRORS: dict[str, tuple[int, bool]] = {
    "AccessDenied": (403, True),
    "ExpiredToken": (403, True),
    "IncompleteSignature": (400, True),
    "InternalFailure": (500, False),
    "InvalidAction": (400, True),
    "InvalidClientTokenId": (403, True),
    "InvalidParameterCombination": (400, True),
    "InvalidParameterValue": (400, True),
    "InvalidQueryParameter": (400, True),
    "MalformedInput": (400, True),
    "MalformedQueryString": (404, True),
    "MissingAction": (400, True),
    "MissingAuthenticationToken": (403, True),
    "MissingParameter": (400, True),
    "NotAuthorized": (400, True),
    "OptInRequired": (403, True),
    "RequestExpired": (400, True),
    "ServiceUnavailable": (503, False),
    "SignatureDoesNotMatch": (403, True),
    "Throttling": (400, True),
    "ValidationError": (400, True),
}


class ApiError(Exception):
    """An AWS error answer: ``code`` (e.g. ``NoSuchEntity``), ``message``, HTTP ``status`` and
    whether the sender is at fault (``<Type>Sender</Type>``) or the service (``Receiver``)."""

    def __init__(self, code: str, message: str, status: int = 400, sender_fault: bool = True) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault

    def __repr__(self) -> str:
        return f"ApiError({self.code!r}, {self.message!r}, status={self.status})"


def _lookup(service: ServiceModel, code: str) -> tuple[int, bool]:
    info = service.error_info(code) or COMMON_ERRORS.get(code)
    return info if info is not None else (400, True)


def error_status(service: ServiceModel, code: str) -> int:
    """HTTP status for ``code``: the model's ``httpStatusCode``, else the common-error status,
    else 400."""
    return _lookup(service, code)[0]


def service_error(service: ServiceModel, code: str, message: str) -> ApiError:
    """An :class:`ApiError` whose status and fault side come from ``service``'s model."""
    status, sender = _lookup(service, code)
    return ApiError(code, message, status, sender_fault=sender and status < 500)


def iam_error(code: str, message: str) -> ApiError:
    """An IAM error, e.g. ``iam_error("NoSuchEntity", "The user with name bob cannot be found.")``
    (status 404 from the IAM model)."""
    return service_error(load_service_model("iam"), code, message)


def sts_error(code: str, message: str) -> ApiError:
    """An STS error, status looked up in the STS model (AccessDenied: 403)."""
    return service_error(load_service_model("sts"), code, message)


def invalid_action(service: ServiceModel, action: str) -> ApiError:
    """AWS's answer to an unknown ``Action``: InvalidAction, "Could not find operation X for
    version V"."""
    return ApiError("InvalidAction", f"Could not find operation {action} for version {service.api_version}")


def malformed_input(message: str) -> ApiError:
    """MalformedInput (400): a query value that does not parse as its modelled type."""
    return ApiError("MalformedInput", message)
