"""`--log-format json`: every log record of the server as one JSON object per line on standard error, and one
record per request (middleware.py) with its action, outcome, status, duration and request id.

A request's line carries only what record.py holds: names chosen by the server (an action, a route template, an
outcome), never a parameter, a form field, a header, a path's own values, a code or a password.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

REQUEST_LOGGER = "twostep.requests"
FORMATS = ("text", "json")
_FIELDS = ("request_id", "kind", "action", "outcome", "code_check", "status", "duration_ms", "client")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))


def configure(log_format: str) -> None:
    """JSON lines on stderr for every twostep logger; the request lines at INFO, everything else at WARNING."""
    if log_format != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("twostep")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    root.propagate = False
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO)
