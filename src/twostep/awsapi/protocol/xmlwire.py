"""XML answers of the AWS query protocol, driven by the operation's output shape.

Success (what botocore's ``QueryParser`` reads)::

    <ActionResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
      <ActionResult>...members of the output shape...</ActionResult>
      <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
    </ActionResponse>

Operations without an output shape answer without the Result element. Structures list their
members in model order (``None`` members are left out); lists are ``<member>`` elements (a
flattened list repeats the member's own element); maps are ``<entry><key/><value/></entry>``;
booleans ``true``/``false``; timestamps ISO 8601 UTC with ``Z`` (milliseconds when there are
any; values may be aware or naive-UTC ``datetime`` or epoch seconds); blobs base64 of ``bytes``.

Error::

    <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>..</Code><Message>..</Message>
    </Error><RequestId>..</RequestId></ErrorResponse>

Writers are compiled once per operation; a response is one ``"".join`` of precomputed tags and
escaped text. Text escapes ``& < >`` and ``\\r`` (which XML parsers would fold into ``\\n``);
characters XML 1.0 cannot carry (control characters, lone surrogates) become U+FFFD.
"""

from __future__ import annotations

import base64
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError, invalid_action
from .model import ServiceModel, Shape

Writer = Callable[[list[str], Any], None]

_NEEDS_ESCAPE = re.compile("[&<>\r\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVALID_XML = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    """Escape character data for an XML element's text."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _INVALID_XML.sub("\ufffd", text)


_ISO_SECONDS = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}"


def format_timestamp(value: datetime | float | int) -> str:
    """ISO 8601 in UTC with ``Z``, as IAM (``2024-01-02T03:04:05Z``) and STS
    (``2024-01-02T03:04:05.678Z``) write it."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        text, micro = moment.strftime("%Y-%m-%dT%H:%M:%S"), moment.microsecond
    else:
        # Whole seconds and microseconds as datetime.fromtimestamp splits them (the fraction rounded half to
        # even), without building a datetime: a listing writes two of these per entry.
        fraction, whole = math.modf(value)
        seconds, micro = int(whole), round(fraction * 1e6)
        if micro >= 1_000_000:
            seconds, micro = seconds + 1, micro - 1_000_000
        elif micro < 0:
            seconds, micro = seconds - 1, micro + 1_000_000
        text = _ISO_SECONDS.format(*time.gmtime(seconds)[:6])
    if micro:
        text += f".{micro // 1000:03d}"
    return text + "Z"


def _write_string(parts: list[str], value: Any) -> None:
    parts.append(escape(value if isinstance(value, str) else str(value)))


def _write_integer(parts: list[str], value: Any) -> None:
    parts.append(str(int(value)))


def _write_float(parts: list[str], value: Any) -> None:
    number = float(value)
    parts.append(repr(number) if math.isfinite(number) else ("NaN" if number != number else "Infinity"))


def _write_boolean(parts: list[str], value: Any) -> None:
    parts.append("true" if value else "false")


def _write_timestamp(parts: list[str], value: Any) -> None:
    parts.append(format_timestamp(value))


def _write_blob(parts: list[str], value: Any) -> None:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    parts.append(base64.b64encode(data).decode("ascii"))


_SCALAR_WRITERS: dict[str, Writer] = {
    "string": _write_string,
    "integer": _write_integer,
    "long": _write_integer,
    "float": _write_float,
    "double": _write_float,
    "boolean": _write_boolean,
    "timestamp": _write_timestamp,
    "blob": _write_blob,
}


def _tags(name: str) -> tuple[str, str]:
    return f"<{name}>", f"</{name}>"


def _writer(shape: Shape) -> Writer:
    """Compile the writer of one shape's *content* (the caller writes its enclosing element)."""
    if shape.type == "structure":
        return _structure_writer(shape)
    if shape.type == "list":
        assert shape.member is not None
        open_, close = _tags(shape.member.wire_name or "member")
        item = _writer(shape.member)

        def write_list(parts: list[str], value: Any) -> None:
            for element in value:
                parts.append(open_)
                item(parts, element)
                parts.append(close)

        return write_list
    if shape.type == "map":
        assert shape.key is not None and shape.value is not None
        key_open, key_close = _tags(shape.key.wire_name or "key")
        value_open, value_close = _tags(shape.value.wire_name or "value")
        write_key, write_value = _writer(shape.key), _writer(shape.value)

        def write_map(parts: list[str], value: Any) -> None:
            for key, item in value.items():
                parts.append("<entry>" + key_open)
                write_key(parts, key)
                parts.append(key_close + value_open)
                if item is not None:
                    write_value(parts, item)
                parts.append(value_close + "</entry>")

        return write_map
    return _SCALAR_WRITERS.get(shape.type, _write_string)


def _structure_writer(shape: Shape) -> Writer:
    members: list[tuple[str, str, str, Writer, Shape | None]] = []
    for name, member in shape.members.items():
        tag = member.wire_name or name
        flat_item = None
        if member.type == "list" and member.flattened and member.member is not None:
            flat_item = member.member
            tag = member.member.wire_name or tag
        open_, close = _tags(tag)
        members.append((name, open_, close, _writer(flat_item or member), flat_item))

    def write_structure(parts: list[str], value: Any) -> None:
        get = value.get
        for name, open_, close, write, flat_item in members:
            item = get(name)
            if item is None:
                continue
            if flat_item is not None:  # a flattened list repeats the element itself
                for element in item:
                    parts.append(open_)
                    write(parts, element)
                    parts.append(close)
                continue
            parts.append(open_)
            write(parts, item)
            parts.append(close)

    return write_structure


class _Plan:
    __slots__ = ("head", "result_close", "result_open", "tail", "write")

    def __init__(self, service: ServiceModel, action: str) -> None:
        shape = service.output_shape(action)
        self.head = f'<{action}Response xmlns="{service.xml_namespace}">'
        self.tail = f"</RequestId></ResponseMetadata></{action}Response>"
        self.write: Writer | None = None
        self.result_open = self.result_close = ""
        if shape is not None:
            self.write = _writer(shape)
            self.result_open, self.result_close = _tags(f"{action}Result")


def serialize_result(service: ServiceModel, action: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
    """The XML body of a successful ``action`` answer (UTF-8)."""
    if not service.has_operation(action):
        raise invalid_action(service, action)
    plan = service.cached("xml", action, lambda: _Plan(service, action))
    parts = [plan.head]
    if plan.write is not None:
        parts.append(plan.result_open)
        if result:
            plan.write(parts, result)
        parts.append(plan.result_close)
    parts.append("<ResponseMetadata><RequestId>")
    parts.append(escape(request_id))
    parts.append(plan.tail)
    return "".join(parts).encode("utf-8")


def serialize_error(service: ServiceModel, error: ApiError, request_id: str) -> bytes:
    """The XML body of an error answer; ``Message`` is left out when the error has none."""
    kind = "Sender" if error.sender_fault else "Receiver"
    message = f"<Message>{escape(error.message)}</Message>" if error.message else ""
    return (
        f'<ErrorResponse xmlns="{service.xml_namespace}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(error.code)}</Code>{message}</Error>"
        f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
    ).encode()
