"""The record of the request being answered: what the API or the console names it, and how it ended.

The ASGI middleware (middleware.py) opens one per request in a context variable; the API and the console fill in
what they know (threads started with the request's context see the same record). Without observability no record
exists and `current()` is None, so the cost when off is one context-variable read.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    kind: str = "other"  # "api", "console" or "other" (health check, metrics, static files)
    action: str = "unmatched"  # the API's "service:Action", the console's "METHOD /path/{template}"
    outcome: str | None = None  # the API's error code or "ok"; set by whoever knows better than the status
    code_check: str | None = None  # accepted, wrong, replayed, throttled, locked... when a code was checked
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client: str | None = None  # the client address the API saw (forwarded.py)


_current: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar("twostep_request", default=None)


def current() -> RequestRecord | None:
    return _current.get()


def open_record(record: RequestRecord) -> contextvars.Token[RequestRecord | None]:
    return _current.set(record)


def close_record(token: contextvars.Token[RequestRecord | None]) -> None:
    _current.reset(token)


def name_request(kind: str, action: str) -> None:
    """Called by the API (known actions only, so labels stay few) and the console (route templates)."""
    record = _current.get()
    if record is not None:
        record.kind, record.action = kind, action


def set_outcome(outcome: str) -> None:
    record = _current.get()
    if record is not None:
        record.outcome = outcome


def request_id() -> str | None:
    record = _current.get()
    return record.request_id if record is not None else None
