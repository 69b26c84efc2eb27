"""SigV4 canonicalisation: the request as received -> canonical request -> string to sign -> signing key.

Follows AWS's "Create a canonical request for Signature Version 4" and, wherever the two differ, botocore's
`SigV4Auth` (the client our users run). Every function here is total: any str/bytes input gives a result,
never an exception, so a hostile request can only fail to match a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SIGNATURE_PARAM = "X-Amz-Signature"
CONTENT_SHA256_HEADER = "x-amz-content-sha256"

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass(frozen=True)
class HttpRequest:
    """A request exactly as the HTTP server received it.

    Every str holds the received bytes decoded as latin-1 (one char per byte, as ASGI/WSGI servers and
    Starlette do), so the exact bytes can be recovered: `raw_path`/`raw_query` are the request target as
    sent, still percent-encoded; header names may be in any case; duplicates are kept in the order
    received. A hand-built path or query holding characters beyond U+00FF is taken as UTF-8 instead.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    @cached_property
    def headers_by_name(self) -> dict[str, list[str]]:
        """Every header's values (in the order received) under its ASCII-lower-cased name, built once per request."""
        found: dict[str, list[str]] = {}
        for key, value in self.headers:
            found.setdefault(ascii_lower(key), []).append(value)
        return found

    @classmethod
    def from_wire(
        cls,
        method: str | bytes,
        raw_path: bytes,
        raw_query: bytes,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
    ) -> HttpRequest:
        """Build from ASGI-style bytes (`scope["raw_path"]`, `scope["query_string"]`, `scope["headers"]`)."""
        if isinstance(method, bytes):
            method = method.decode("latin-1")
        return cls(
            method=method,
            raw_path=raw_path.decode("latin-1"),
            raw_query=raw_query.decode("latin-1"),
            headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers),
            body=body,
        )


def ascii_lower(name: str) -> str:
    """Header names compare case-insensitively in ASCII only (str.lower would fold e.g. KELVIN SIGN to 'k')."""
    return name.translate(_ASCII_LOWER)


def header_values(request: HttpRequest, name: str) -> list[str]:
    """Every value of header `name` (lower-case), in the order received."""
    return list(request.headers_by_name.get(name, ()))


def wire_bytes(text: str) -> bytes:
    """The received bytes behind a latin-1 decoded str (UTF-8 for a hand-built one beyond latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return utf8(text)


def utf8(text: str) -> bytes:
    """UTF-8, as botocore encodes what it hashes. Lone surrogates (only in hand-built input) pass through
    instead of raising: a hostile value can only fail to match, never crash the verifier."""
    return text.encode("utf-8", "surrogatepass")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_uri(raw_path: str) -> str:
    """Normalised, re-encoded path, as for every service but S3.

    Dot segments are removed and empty segments ('//') dropped the way botocore's `remove_dot_segments`
    does (a trailing '/' survives only when something is left before it); the result, still in its
    received percent-encoded form, is percent-encoded once more with only RFC 3986 unreserved characters and
    '/' left as they are - AWS's "encode each path segment twice" rule, so '%20' becomes '%2520'.
    """
    if not raw_path:
        return "/"
    kept: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    head = "/" if raw_path.startswith("/") else ""
    tail = "/" if raw_path.endswith("/") and kept else ""
    return quote(wire_bytes(head + "/".join(kept) + tail), safe="/~")


def query_pairs(raw_query: str) -> list[tuple[bytes, bytes]]:
    """Decoded (name, value) byte pairs of a query string, in order; empty '&&' pieces are dropped.

    '+' means a space, as in the form encoding botocore's `urlencode` uses for `params` and as every
    form parser (Starlette's included) reads it: the signature must cover what the application will see.
    """
    pairs = []
    for piece in wire_bytes(raw_query).split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        pairs.append((unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))))
    return pairs


def canonical_query_string(raw_query: str) -> str:
    """Each name and value decoded then percent-encoded with AWS's rules (only A-Za-z0-9-_.~ left as is,
    space is %20), sorted by encoded name then value, joined with '&'.

    X-Amz-Signature is left out: a presigned URL cannot sign its own signature. A header-signed request
    carrying that parameter is refused by `parse_claim` (two auth mechanisms), so leaving it out there is safe.
    """
    encoded = []
    for name, value in query_pairs(raw_query):
        key = quote(name, safe="-_.~")
        if key != SIGNATURE_PARAM:
            encoded.append((key, quote(value, safe="-_.~")))
    return "&".join(f"{key}={value}" for key, value in sorted(encoded))


def trimall(value: str) -> str:
    """AWS's Trimall: strip, collapse whitespace runs (folded multi-line values included) to one space.

    str.split() is botocore's exact rule, so values holding latin-1 NBSP/NEL match what botocore signed.
    """
    return " ".join(value.split())


def normalised_signed_headers(signed_headers: Iterable[str]) -> list[str]:
    return sorted({ascii_lower(name) for name in signed_headers})


def canonical_headers(request: HttpRequest, signed_headers: Iterable[str]) -> str:
    """'name:value' lines for the signed headers, sorted; repeated headers joined with ',' in received order.

    A signed header absent from the request gives 'name:' here; `verify_signature` refuses that case
    before it gets this far, so an empty header and a missing one cannot be swapped.
    """
    lines = []
    for name in normalised_signed_headers(signed_headers):
        lines.append(f"{name}:{','.join(trimall(v) for v in header_values(request, name))}")
    return "".join(line + "\n" for line in lines)


def payload_hash_of(request: HttpRequest) -> str:
    """The x-amz-content-sha256 header when sent (botocore signs its value as-is), else sha256 of the body."""
    sent = header_values(request, CONTENT_SHA256_HEADER)
    return sent[0] if sent else sha256_hex(request.body)


def canonical_request(request: HttpRequest, signed_headers: Sequence[str], *, payload_hash: str | None = None) -> str:
    """The SigV4 canonical request: method, URI, query, headers, signed-header list, payload hash.

    The method is used exactly as received (HTTP methods are case-sensitive; botocore only ever sends
    upper case). `payload_hash` overrides the payload line (e.g. UNSIGNED-PAYLOAD for presigned URLs).
    """
    names = normalised_signed_headers(signed_headers)
    return "\n".join(
        (
            request.method,
            canonical_uri(request.raw_path),
            canonical_query_string(request.raw_query),
            canonical_headers(request, names),
            ";".join(names),
            payload_hash if payload_hash is not None else payload_hash_of(request),
        )
    )


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/{TERMINATOR}"


def string_to_sign(canonical: str, amz_date: str, scope: str) -> str:
    """'AWS4-HMAC-SHA256', the request time (basic ISO 8601), the credential scope, hex sha256 of the
    canonical request, one per line."""
    return "\n".join((ALGORITHM, amz_date, scope, sha256_hex(utf8(canonical))))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, utf8(message), hashlib.sha256).digest()


def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    key = _hmac(utf8("AWS4" + secret_access_key), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(key: bytes, to_sign: str) -> str:
    """Lower-case hex HMAC-SHA256 of the string to sign."""
    return hmac.new(key, utf8(to_sign), hashlib.sha256).hexdigest()
