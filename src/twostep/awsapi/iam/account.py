"""GetAccountSummary, GenerateCredentialReport, GetCredentialReport."""

from __future__ import annotations

from typing import Any

from twostep.awsapi.context import CallContext


def get_account_summary(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"SummaryMap": context.services.identity.account_summary(context.caller.account_id)}


def generate_credential_report(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    # Reports are produced synchronously, so the answer is COMPLETE at once (AWS first answers STARTED).
    context.services.identity.generate_credential_report(context.caller.account_id, actor=context.caller.principal)
    return {"State": "COMPLETE"}


def get_credential_report(context: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    report = context.services.identity.credential_report(context.caller.account_id)
    return {"Content": report.content, "ReportFormat": "text/csv", "GeneratedTime": report.generated_at}


HANDLERS = {
    "GetAccountSummary": get_account_summary,
    "GenerateCredentialReport": generate_credential_report,
    "GetCredentialReport": get_credential_report,
}
