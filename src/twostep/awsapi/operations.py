"""Every supported (service, action) and the handler that performs it."""

from __future__ import annotations

from twostep.awsapi.context import Handler
from twostep.awsapi.iam.operations import IAM_HANDLERS
from twostep.awsapi.sts.operations import STS_HANDLERS

HANDLERS: dict[tuple[str, str], Handler] = {
    **IAM_HANDLERS,
    **STS_HANDLERS,
}
