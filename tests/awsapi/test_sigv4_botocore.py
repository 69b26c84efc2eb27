"""botocore as the oracle: whatever SigV4Auth / SigV4QueryAuth sign, the verifier accepts, and a change to
any signed byte is refused with SignatureDoesNotMatch."""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import socket
import string
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from twostep.awsapi.sigv4.verifier import HttpRequest, SigV4Error, parse_claim, verify_signature

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNED_AT = datetime.datetime(2026, 5, 17, 9, 30, 15)
NOW = calendar.timegm(SIGNED_AT.timetuple())

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def frozen_signing_time(at: datetime.datetime = SIGNED_AT) -> Iterator[None]:
    # botocore reads the clock through this one function; freezing it makes X-Amz-Date deterministic.
    with mock.patch("botocore.auth.get_current_datetime", lambda *args, **kwargs: at):
        yield


@dataclasses.dataclass
class Signed:
    request: HttpRequest
    presigned: bool
    token: str | None
    region: str
    service: str
    custom_headers: list[str]  # lower-case names of the headers the test added and botocore signed


def received_host(url: str) -> str:
    """The Host header http.client sends for `url`: the port only when it is not the scheme's default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def as_received(request: AWSRequest) -> HttpRequest:
    """What the HTTP server sees: the prepared URL's raw path and query, the headers as sent (duplicates kept,
    surrounding spaces and tabs stripped as HTTP parsers do), Host and Content-Length added by the client."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = [(name, value.strip(" \t")) for name, value in request.headers.items()]
    headers.append(("Host", received_host(prepared.url)))
    if "Content-Length" in prepared.headers:
        headers.append(("Content-Length", prepared.headers["Content-Length"]))
    return HttpRequest(
        method=prepared.method,
        raw_path=parts.path,
        raw_query=parts.query,
        headers=tuple(headers),
        body=body,
    )


# -- strategies -------------------------------------------------------------------------------------------

UNRESERVED = string.ascii_letters + string.digits + "-._~"
SUB_DELIMS = "!$&'()*+,;=:@"
segment_chars = st.one_of(
    st.sampled_from(UNRESERVED + SUB_DELIMS),
    st.builds(lambda b: f"%{b:02X}", st.integers(0, 255)),
    st.builds(lambda b: f"%{b:02x}", st.integers(0, 255)),
)
plain_segment = st.lists(segment_chars, min_size=1, max_size=6).map("".join)
any_segment = st.one_of(plain_segment, st.sampled_from(["", ".", ".."]))


@st.composite
def paths(draw: st.DrawFn, dot_segments: bool = True) -> str:
    segments = draw(st.lists(any_segment if dot_segments else plain_segment, max_size=5))
    trailing = "/" if draw(st.booleans()) else ""
    return "/" + "/".join(segments) + trailing if segments else "/"


# Any text but lone surrogates, which no HTTP client can send; X-Amz-* names are the signer's own.
text = st.text(st.characters(codec="utf-8"), max_size=8)
param_names = text.filter(lambda s: not s.lower().startswith("x-amz-"))
params = st.lists(st.tuples(param_names, text), max_size=4)

# Header values as http.client sends them and an HTTP parser accepts them: no control characters, but
# spaces, tabs and latin-1 obs-text (NBSP and NEL are whitespace to str.split, like botocore's trim).
header_value = st.text(
    st.sampled_from(string.ascii_letters + string.digits + " \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\xa0\x85é"),
    max_size=12,
)
header_names = st.sampled_from(["X-Test-One", "x-test-one", "X-TEST-TWO", "X-Amz-Meta-Three", "Content-Type"])
# Sent but never signed by botocore (its blacklist): they must not disturb verification.
unsigned_headers = st.lists(st.sampled_from([("User-Agent", "Boto3/1.34 test"), ("X-Amzn-Trace-Id", "Root=1")]))
tokens = st.none() | st.text(st.sampled_from(string.ascii_letters + string.digits + "+/="), min_size=1, max_size=40)
regions = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
bases = st.sampled_from(
    [
        "http://localhost:8443",
        "https://127.0.0.1:9000",
        "https://twostep.example.com",
        "http://[::1]:8080",
        "https://mfa.internal:443",
    ]
)
form_bodies = st.dictionaries(st.sampled_from(["Action", "Version", "UserName", "SerialNumber"]), text, max_size=3).map(
    lambda d: {"Action": "GetUser", "Version": "2010-05-08", **d}
)


@st.composite
def signed_requests(draw: st.DrawFn, dot_segments: bool = True) -> Signed:
    presigned = draw(st.booleans())
    service = draw(st.sampled_from(["iam", "sts"]))
    region = draw(regions)
    token = draw(tokens)
    url = draw(bases) + draw(paths(dot_segments))
    operation = draw(params)
    query_in_url = draw(st.booleans())
    if query_in_url and operation:
        # The way botocore writes a presigned URL's query: quote with -_.~ safe, space as %20.
        url += "?" + percent_encode_sequence(operation)
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]))
    # SigV4QueryAuth moves a form body into the query string, as generate_presigned_url does.
    bodies = st.none() | form_bodies if presigned else st.none() | st.binary(max_size=48) | form_bodies
    data: Any = draw(bodies)
    request = AWSRequest(method=method, url=url, data=data, params=None if query_in_url else operation)
    if data is not None and isinstance(data, dict):
        request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    custom = draw(st.lists(st.tuples(header_names, header_value), max_size=4))
    for name, value in custom:
        request.headers[name] = value  # HTTPHeaders appends: duplicates are kept, in order
    credentials = Credentials(AKID, SECRET, token)
    with frozen_signing_time():
        if presigned:
            expires = draw(st.integers(1, 3600))
            SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
        else:
            SigV4Auth(credentials, service, region).add_auth(request)
    for name, value in draw(unsigned_headers):
        request.headers[name] = value
    received = as_received(request)
    # Content-Type is left out: SigV4QueryAuth drops botocore's own form Content-Type before signing.
    signed_names = sorted({name.lower() for name, _ in custom} - {"content-type"})
    return Signed(received, presigned, token, region, service, signed_names)


# -- acceptance -------------------------------------------------------------------------------------------


@SETTINGS
@given(signed_requests())
def test_botocore_signed_requests_verify(signed: Signed) -> None:
    event("presigned" if signed.presigned else "header-signed")
    event("with token" if signed.token else "no token")
    claim = parse_claim(signed.request)
    assert claim.access_key_id == AKID
    assert (claim.region, claim.service) == (signed.region, signed.service)
    assert claim.security_token == signed.token
    assert claim.presigned == signed.presigned
    assert claim.amz_date == "20260517T093015Z"
    verify_signature(signed.request, claim, SECRET, NOW)


# -- any change to a signed byte is refused ----------------------------------------------------------------

# Replacements that change a character for sure, case-insensitively too: flipping the case of a hex digit
# inside a %XX escape would (rightly) not change the request's meaning.
OTHER_CHAR = str.maketrans(
    string.ascii_letters + string.digits,
    "nopqrstuvwxyzabcdefghijklm" + "NOPQRSTUVWXYZABCDEFGHIJKLM" + "5678901234",
)


def flip_alnum(value: str, data: st.DataObject, label: str) -> str | None:
    positions = [i for i, ch in enumerate(value) if ch.isascii() and ch.isalnum()]
    if not positions:
        return None
    i = data.draw(st.sampled_from(positions), label=label)
    return value[:i] + value[i].translate(OTHER_CHAR) + value[i + 1 :]


def replace_header(request: HttpRequest, index: int, value: str) -> HttpRequest:
    headers = list(request.headers)
    headers[index] = (headers[index][0], value)
    return dataclasses.replace(request, headers=tuple(headers))


@pytest.mark.parametrize("part", ["method", "path", "query", "header", "body", "signature"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signed=signed_requests(dot_segments=False), data=st.data())
def test_changing_a_signed_byte_is_refused(part: str, signed: Signed, data: st.DataObject) -> None:
    request = signed.request
    changed: HttpRequest | None = None
    if part == "method":
        other = data.draw(st.sampled_from(["GET", "POST", "PUT", "PATCH"]).filter(lambda m: m != request.method))
        changed = dataclasses.replace(request, method=other)
    elif part == "path":
        flipped = flip_alnum(request.raw_path, data, "path position")
        changed = None if flipped is None else dataclasses.replace(request, raw_path=flipped)
    elif part == "query":
        # Operation parameters only: a flip inside X-Amz-Date or X-Amz-Credential is caught earlier and
        # differently (bad date, wrong scope); test_fuzz covers that every such change still raises SigV4Error.
        pairs = request.raw_query.split("&") if request.raw_query else []
        operation = [i for i, pair in enumerate(pairs) if not pair.startswith("X-Amz-")]
        if operation:
            i = data.draw(st.sampled_from(operation), label="pair")
            flipped = flip_alnum(pairs[i], data, "query position")
            if flipped is not None:
                pairs[i] = flipped
                changed = dataclasses.replace(request, raw_query="&".join(pairs))
    elif part == "header":
        signed_names = {"host", "x-amz-security-token", *signed.custom_headers}
        candidates = [i for i, (name, _) in enumerate(request.headers) if name.lower() in signed_names]
        i = data.draw(st.sampled_from(candidates), label="header")
        flipped = flip_alnum(request.headers[i][1], data, "header position")
        changed = None if flipped is None else replace_header(request, i, flipped)
    elif part == "body":
        body = bytearray(request.body or b"\x00")
        i = data.draw(st.integers(0, len(body) - 1), label="body position")
        body[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
        changed = dataclasses.replace(request, body=bytes(body))
    else:
        changed = flip_signature(request, signed.presigned, data)
    # Some requests have nothing of that kind to change (no operation parameter, a path of only symbols).
    assume(changed is not None)
    assert changed is not None
    with pytest.raises(SigV4Error) as exc:
        verify_signature(changed, parse_claim(changed), SECRET, NOW)
    assert exc.value.code == "SignatureDoesNotMatch", exc.value.message


def flip_signature(request: HttpRequest, presigned: bool, data: st.DataObject) -> HttpRequest:
    hex_digits = "0123456789abcdef"
    if presigned:
        head, _, sig = request.raw_query.rpartition("X-Amz-Signature=")
    else:
        index = next(i for i, (name, _) in enumerate(request.headers) if name.lower() == "authorization")
        head, _, sig = request.headers[index][1].rpartition("Signature=")
    i = data.draw(st.integers(0, len(sig) - 1), label="signature position")
    new = data.draw(st.sampled_from(hex_digits.replace(sig[i], "")), label="digit")
    sig = sig[:i] + new + sig[i + 1 :]
    if presigned:
        return dataclasses.replace(request, raw_query=f"{head}X-Amz-Signature={sig}")
    return replace_header(request, index, f"{head}Signature={sig}")


# -- time rules for presigned URLs and the Date header -------------------------------------------------------


def presigned(expires: int, token: str | None = None) -> HttpRequest:
    request = AWSRequest(
        method="GET", url="https://localhost:8443/", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}
    )
    with frozen_signing_time():
        SigV4QueryAuth(Credentials(AKID, SECRET, token), "sts", "eu-west-1", expires=expires).add_auth(request)
    return as_received(request)


def test_presigned_url_lives_for_x_amz_expires() -> None:
    request = presigned(60, token="FQoGZXIvYXdzEXAMPLE")
    claim = parse_claim(request)
    assert (claim.presigned, claim.expires, claim.security_token) == (True, 60, "FQoGZXIvYXdzEXAMPLE")
    verify_signature(request, claim, SECRET, NOW + 60)
    with pytest.raises(SigV4Error) as exc:
        verify_signature(request, claim, SECRET, NOW + 61)
    assert (exc.value.code, exc.value.status) == ("RequestExpired", 400)


def test_presigned_url_never_outlives_the_skew_window() -> None:
    request = presigned(3600)
    verify_signature(request, parse_claim(request), SECRET, NOW + 900)
    with pytest.raises(SigV4Error) as exc:
        verify_signature(request, parse_claim(request), SECRET, NOW + 901)
    assert exc.value.code == "RequestExpired"


def test_presigned_url_from_the_future_is_refused() -> None:
    request = presigned(3600)
    verify_signature(request, parse_claim(request), SECRET, NOW - 900)
    with pytest.raises(SigV4Error, match=r"^SignatureDoesNotMatch: Signature not yet current"):
        verify_signature(request, parse_claim(request), SECRET, NOW - 901)


def test_presigned_url_with_a_body_must_sign_it() -> None:
    request = dataclasses.replace(presigned(60), method="POST", body=b"Action=CreateAccessKey&Version=2010-05-08")
    with pytest.raises(SigV4Error, match=r"^SignatureDoesNotMatch"):
        verify_signature(request, parse_claim(request), SECRET, NOW)


def test_presigned_expiry_limits() -> None:
    request = presigned(60)
    too_long = dataclasses.replace(
        request, raw_query=request.raw_query.replace("X-Amz-Expires=60", "X-Amz-Expires=604801")
    )
    with pytest.raises(SigV4Error, match="less than a week"):
        parse_claim(too_long)
    not_a_number = dataclasses.replace(
        request, raw_query=request.raw_query.replace("X-Amz-Expires=60", "X-Amz-Expires=%EF%BC%96")
    )
    with pytest.raises(SigV4Error, match="X-Amz-Expires should be a number"):
        parse_claim(not_a_number)


def test_date_header_instead_of_x_amz_date() -> None:
    # With a Date header botocore signs it (RFC 1123 form) and puts the basic ISO form in the string to sign.
    request = AWSRequest(method="POST", url="http://localhost:8080/", data=b"Action=GetUser&Version=2010-05-08")
    request.headers["Date"] = "placeholder"
    with frozen_signing_time():
        SigV4Auth(Credentials(AKID, SECRET), "iam", "us-east-1").add_auth(request)
    received = as_received(request)
    assert not any(name.lower() == "x-amz-date" for name, _ in received.headers)
    claim = parse_claim(received)
    assert claim.amz_date == "20260517T093015Z"
    verify_signature(received, claim, SECRET, NOW)
    with pytest.raises(SigV4Error, match="Signature expired"):
        verify_signature(received, claim, SECRET, NOW + 901)


# -- real clients over a real socket --------------------------------------------------------------------------


def read_raw_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def parse_wire(raw: bytes) -> HttpRequest:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].split(b" ")
    path, _, query = target.partition(b"?")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name, value.strip(b" \t")))
    return HttpRequest.from_wire(method, path, query, headers, body)


ERROR_XML = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>captured</Message></Error>"
    b"<RequestId>1</RequestId></ErrorResponse>"
)
ANSWER = (
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nConnection: close\r\n"
    + f"Content-Length: {len(ERROR_XML)}\r\n\r\n".encode()
    + ERROR_XML
)


def test_real_boto3_clients_over_the_wire() -> None:
    """Unmodified boto3 with endpoint_url, captured as raw bytes by a socket server: header-signed IAM and
    STS calls (with and without a session token) and presigned GetCallerIdentity URLs all verify."""
    raws: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    port = server.getsockname()[1]

    def serve() -> None:
        with server:
            for _ in range(4):
                conn, _ = server.accept()
                with conn:
                    raws.append(read_raw_request(conn))
                    conn.sendall(ANSWER)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{port}"
    config = botocore.config.Config(retries={"max_attempts": 1})
    session = boto3.session.Session(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token="FQoGZXIvYXdz+/=", region_name="local"
    )
    plain = boto3.session.Session(aws_access_key_id=AKID, aws_secret_access_key=SECRET, region_name="eu-north-1")
    iam = plain.client("iam", endpoint_url=endpoint, config=config)
    sts = session.client("sts", endpoint_url=endpoint, config=config)
    with pytest.raises(botocore.exceptions.ClientError):
        iam.list_mfa_devices(UserName="al ice+x~y")
    with pytest.raises(botocore.exceptions.ClientError):
        sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/alice", TokenCode="123456")
    for method in ("GET", "POST"):
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod=method)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10)
    thread.join(timeout=10)
    assert len(raws) == 4
    for raw in raws:
        request = parse_wire(raw)
        claim = parse_claim(request)
        verify_signature(request, claim, SECRET, time.time())
    assert [parse_claim(parse_wire(raw)).presigned for raw in raws] == [False, False, True, True]
