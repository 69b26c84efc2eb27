"""The console's browser-facing protections, one helper at a time (S15, S16)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from twostep.console import security
from twostep.console.forms import FieldTooLong, Form


def request(url: str = "http://127.0.0.1:8000/signin", headers: dict[str, str] | None = None) -> Request:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    raw = [(b"host", host.encode())] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/" + path,
        "raw_path": ("/" + path).encode(),
        "query_string": b"",
        "headers": raw,
        "server": None,
        "client": ("127.0.0.1", 5000),
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"origin": "http://127.0.0.1:8000"}, True),
        ({"origin": "HTTP://127.0.0.1:8000"}, True),
        ({"origin": "http://127.0.0.1:8001"}, False),
        ({"origin": "https://127.0.0.1:8000"}, False),
        ({"origin": "http://evil.example"}, False),
        ({"origin": "null"}, False),
        ({"origin": "null", "referer": "http://127.0.0.1:8000/signin"}, False),
        ({"referer": "http://127.0.0.1:8000/signin?x=1"}, True),
        ({"referer": "http://127.0.0.1:8000.evil.example/"}, False),
        ({"referer": "http://evil.example/http://127.0.0.1:8000"}, False),
        ({}, False),
        ({"origin": ""}, False),
    ],
)
def test_origin_check(headers: dict[str, str], allowed: bool) -> None:
    assert security.origin_allowed(request(headers=headers)) is allowed


def test_default_ports_are_the_same_origin() -> None:
    assert security.origin_allowed(request("https://console.example:443/x", {"origin": "https://console.example"}))
    assert security.origin_allowed(request("https://console.example/x", {"origin": "https://console.example:443"}))
    assert not security.origin_allowed(request("https://console.example/x", {"origin": "http://console.example"}))


def test_tokens_match() -> None:
    assert security.tokens_match("abc", "abc")
    assert not security.tokens_match("abc", "abd")
    assert not security.tokens_match("abc", "ab")
    assert not security.tokens_match("", "")
    assert not security.tokens_match(None, "abc")
    assert not security.tokens_match("abc", None)


def test_new_form_tokens_are_long_and_random() -> None:
    tokens = {security.new_form_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)  # 256 bits, base64url


def test_cookie_names_and_attributes_follow_the_scheme() -> None:
    plain, tls = request("http://127.0.0.1:8000/"), request("https://console.example/")
    assert security.cookie_name(plain, "twostep-session") == "twostep-session"
    assert security.cookie_name(tls, "twostep-session") == "__Host-twostep-session"
    response = Response()
    security.set_session_cookie(response, tls, "tok")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-twostep-session=tok;")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert attribute in cookie
    assert "Domain" not in cookie  # __Host- cookies must not name a domain
    response = Response()
    security.set_session_cookie(response, plain, "tok")
    assert "Secure" not in response.headers["set-cookie"]
    form = Response()
    security.set_form_cookie(form, tls, "t")
    assert (
        form.headers["set-cookie"].startswith("__Host-twostep-form=t;")
        and "SameSite=strict" in form.headers["set-cookie"]
    )


def test_session_token_is_read_from_the_cookie_of_the_scheme() -> None:
    assert security.session_token(request(headers={"cookie": "twostep-session=abc"})) == "abc"
    https = request("https://console.example/", {"cookie": "twostep-session=abc"})
    assert security.session_token(https) is None  # over https only the __Host- cookie counts
    https = request("https://console.example/", {"cookie": "__Host-twostep-session=xyz"})
    assert security.session_token(https) == "xyz"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/security-credentials", "/security-credentials"),
        ("/x?y=1", "/x?y=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        ("/a\nb", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("/a b", "/"),
        ("/\t/evil.example", "/"),
    ],
)
def test_local_path(target: str, expected: str) -> None:
    assert security.local_path(target) == expected


def test_form_fields_are_strings_and_bounded() -> None:
    assert Form().text("missing") == ""
    assert Form(FormData([("name", " x ")])).text("name", strip=True) == "x"
    with pytest.raises(FieldTooLong):
        Form(FormData([("name", "x" * 5000)])).text("name")


def fetch(base_url: str, path: str) -> httpx.Response:
    async def hello(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("hi", headers={"x-frame-options": "SAMEORIGIN"})

    app = Starlette(routes=[Route("/", hello)], middleware=[Middleware(security.SecurityHeadersMiddleware)])

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
            return await client.get(path)

    return asyncio.run(get())


def test_security_headers_on_every_response_and_hsts_only_over_https() -> None:
    response = fetch("http://testserver", "/")
    assert response.headers["content-security-policy"] == security.CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"  # a header the app set itself is kept
    assert "strict-transport-security" not in response.headers
    assert fetch("http://testserver", "/missing").headers["x-content-type-options"] == "nosniff"
    assert fetch("https://testserver", "/").headers["strict-transport-security"] == "max-age=63072000"
