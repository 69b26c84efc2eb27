"""Submitted form fields, read as plain strings."""

from __future__ import annotations

from starlette.datastructures import FormData

MAX_FIELD_LENGTH = 1024


class FieldTooLong(Exception):
    """A submitted field is longer than any legitimate value."""


class Form:
    """Submitted fields as plain strings: files and over-long values are refused, never crash a page (S28)."""

    def __init__(self, data: FormData | None = None) -> None:
        self._data = data

    def text(self, name: str, *, strip: bool = False, limit: int = MAX_FIELD_LENGTH) -> str:
        """The field's value ("" if absent); FieldTooLong beyond `limit` characters (a passkey's response, a few
        hundred bytes of JSON, has a larger limit of its own)."""
        value = self._data.get(name) if self._data is not None else None
        if not isinstance(value, str):
            return ""
        if len(value) > limit:
            raise FieldTooLong(name)
        return value.strip() if strip else value


def two_codes(form: Form) -> tuple[str, str]:
    """MFA code 1 and MFA code 2, the fields of templates/_two_codes.html."""
    return form.text("code1"), form.text("code2")
