"""One pure ASGI middleware around the whole application: opens the request's record, times the answer, then
counts it (metrics) and writes its log line (JSON logs). Installed only when either is on (server.py)."""

from __future__ import annotations

import logging
import time
from typing import Any

from twostep.observability import record as records
from twostep.observability.logs import REQUEST_LOGGER

log = logging.getLogger(REQUEST_LOGGER)
Scope = dict[str, Any]
App = Any


class ObservingMiddleware:
    def __init__(self, app: App, *, metrics: Any | None, log_requests: bool) -> None:
        self.app = app
        self.metrics = metrics  # observability.metrics.Metrics, or None
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = records.RequestRecord()
        token = records.open_record(record)
        status = 500
        started = time.perf_counter()

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            records.close_record(token)
            self._done(record, status, time.perf_counter() - started)

    def _done(self, record: records.RequestRecord, status: int, seconds: float) -> None:
        outcome = record.outcome or record.code_check or ("ok" if status < 400 else f"http_{status}")
        if self.metrics is not None:
            self.metrics.request(record.kind, record.action, outcome, seconds)
        if self.log_requests:
            log.info(
                "request",
                extra={
                    "request_id": record.request_id,
                    "kind": record.kind,
                    "action": record.action,
                    "outcome": outcome,
                    "code_check": record.code_check,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": record.client,
                },
            )
