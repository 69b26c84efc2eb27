"""Reading a request body with a ceiling: refused on its declared length before a byte is read, and cut off at
the ceiling when it arrives in chunks, so that no request can make the server hold more than the ceiling."""

from __future__ import annotations

from starlette.requests import Request

API_BODY_LIMIT = 1 << 20  # an IAM/STS query request: the largest policy documents are well under this
CONSOLE_BODY_LIMIT = 64 << 10  # a console form: at most 50 fields of 1,024 characters


class BodyTooLarge(Exception):
    """The request's body is (or claims to be) larger than the ceiling."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as its declared length or the bytes read so far pass `limit`.

    The body is kept on the request, so that Starlette's own readers (``request.form()``) read it from memory.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's cache of the body: request.form() and request.body() read it from here
    return body
