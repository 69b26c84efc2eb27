"""Browser-facing protections of the console: cookies (S15), CSRF and Origin checks (S16), redirect targets kept
within the site, response headers.

Two kinds of forms carry a CSRF token:
- forms of a session (everything after the password step) carry the session's own token, kept on the server;
- forms shown before there is a session (sign-in, the language switcher) use a double-submit token: a random
  value in an HttpOnly cookie that the page repeats in a hidden field. An attacker's page can neither read the
  cookie nor (with the ``__Host-`` prefix over https) plant one, and every POST must also pass the Origin check.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twostep.client_address import is_secure

SESSION_COOKIE = "twostep-session"
FORM_COOKIE = "twostep-form"
HOST_PREFIX = "__Host-"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    # same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on same-origin form posts,
    # which would defeat the Origin check below.
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
)
HSTS = ("strict-transport-security", "max-age=63072000")


def is_https(request: Request) -> bool:
    """The browser's connection used HTTPS (directly, or to a trusted proxy that said so: client_address.py)."""
    return is_secure(request)


def cookie_name(request: Request, base: str) -> str:
    """``__Host-NAME`` over https; plain ``NAME`` over http.

    Browsers accept a ``__Host-`` cookie only with the Secure attribute, and a Secure cookie only from a secure
    origin. Plain http is for development and tests on loopback (where the traffic never leaves the machine),
    so there the same cookie goes without prefix and without Secure. Anything else must be served over https
    (or behind a TLS proxy whose X-Forwarded-Proto uvicorn trusts).
    """
    return HOST_PREFIX + base if is_https(request) else base


def set_cookie(response: Response, request: Request, base: str, value: str, *, samesite: str = "lax") -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite=samesite,  # type: ignore[arg-type]  # Starlette types it as a Literal
    )


def clear_cookie(response: Response, request: Request, base: str) -> None:
    response.delete_cookie(cookie_name(request, base), path="/", secure=is_https(request), httponly=True)


def read_cookie(request: Request, base: str) -> str | None:
    value = request.cookies.get(cookie_name(request, base))
    return value or None


def session_token(request: Request) -> str | None:
    return read_cookie(request, SESSION_COOKIE)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    # Lax, not Strict: a link to the console from mail or chat should arrive signed in; state changes are POSTs,
    # which Lax never sends cross-site.
    set_cookie(response, request, SESSION_COOKIE, token)


def clear_session_cookie(response: Response, request: Request) -> None:
    clear_cookie(response, request, SESSION_COOKIE)


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def form_token(request: Request) -> str | None:
    """The pre-session double-submit token from its cookie (None until a page has set it)."""
    return read_cookie(request, FORM_COOKIE)


def set_form_cookie(response: Response, request: Request, token: str) -> None:
    set_cookie(response, request, FORM_COOKIE, token, samesite="strict")


def tokens_match(expected: str | None, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def local_path(target: str, default: str = "/") -> str:
    """A redirect target only within this site: a path, never //host or a scheme."""
    within = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if within and all(c.isprintable() and not c.isspace() for c in target):
        return target
    return default


_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def normalise_origin(scheme: str, netloc: str) -> str:
    scheme, netloc = scheme.lower(), netloc.lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    return f"{scheme}://{netloc}"


def own_origin(request: Request) -> str:
    return normalise_origin("https" if is_https(request) else "http", request.url.netloc)


def origin_allowed(request: Request) -> bool:
    """The request comes from one of our own pages: Origin (or, failing that, Referer) is our origin.

    A request with neither is refused: every browser sends Origin with a form POST, and the console serves
    browsers only. "Origin: null" (sandboxed frames, privacy-stripped requests) is refused too.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source.strip() == "null":
        return False
    parts = urlsplit(source.strip())
    claimed = normalise_origin(parts.scheme, parts.netloc)
    return hmac.compare_digest(claimed.encode(), own_origin(request).encode())


class SecurityHeadersMiddleware:
    """Adds the security headers to every response; HSTS only when the request came over https."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if is_secure(HTTPConnection(scope)):
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in extra:
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
