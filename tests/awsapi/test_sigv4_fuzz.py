"""Fuzzing (S24, S28): whatever arrives, parse_claim and verify_signature raise SigV4Error or nothing else."""

from __future__ import annotations

import calendar
import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.awsapi.sigv4.errors import shown
from twostep.awsapi.sigv4.verifier import HttpRequest, SigV4Error, parse_claim, verify_signature

NOW = calendar.timegm((2015, 8, 30, 12, 36, 0))
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Full Unicode, lone surrogates and control characters included: a hand-built or badly decoded request
# may carry anything.
anything = st.text(max_size=20)
latin1 = st.text(st.characters(max_codepoint=255), max_size=20)
fragments = st.sampled_from(
    [
        "AWS4-HMAC-SHA256",
        " ",
        ",",
        ", ",
        "=",
        ";",
        "/",
        "Credential=",
        "SignedHeaders=",
        "Signature=",
        "AKIDEXAMPLE",
        "20150830",
        "us-east-1",
        "iam",
        "aws4_request",
        "host",
        "x-amz-date",
        "20150830T123600Z",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "%",
        "%2F",
        "+",
        "&",
        "X-Amz-",
        "Algorithm",
        "Credential",
        "Date",
        "Expires",
        "SignedHeaders",
        "Signature",
        "Security-Token",
        "604800",
        "-1",
        "99999999T999999Z",
        "\x00",
        "\udcff",
        "\u212a",
    ]
)
# Text assembled from the grammar's own pieces reaches far deeper than random characters would.
grammar_text = st.lists(st.one_of(fragments, anything), max_size=24).map("".join)
header_names = st.one_of(
    st.sampled_from(
        [
            "Authorization",
            "authorization",
            "Host",
            "X-Amz-Date",
            "Date",
            "X-Amz-Security-Token",
            "X-Amz-Content-Sha256",
            "My-Header",
        ]
    ),
    anything,
)
headers = st.lists(st.tuples(header_names, st.one_of(grammar_text, latin1)), max_size=8)


@st.composite
def requests(draw: st.DrawFn) -> HttpRequest:
    return HttpRequest(
        method=draw(st.one_of(st.sampled_from(["GET", "POST"]), anything)),
        raw_path=draw(st.one_of(st.just("/"), grammar_text)),
        raw_query=draw(grammar_text),
        headers=tuple(draw(headers)),
        body=draw(st.binary(max_size=64)),
    )


def check(request: HttpRequest, now: float = NOW, secret: str = SECRET) -> None:
    try:
        claim = parse_claim(request)
        verify_signature(request, claim, secret, now)
    except SigV4Error as exc:
        assert 400 <= exc.status < 500
        assert exc.code and exc.message
        assert exc.message.isascii() and exc.message.isprintable()


@FUZZ
@given(requests(), st.floats(0, 4e9), anything)
def test_arbitrary_requests_only_raise_sigv4_error(request: HttpRequest, now: float, secret: str) -> None:
    check(request, now, secret)


VANILLA = HttpRequest(
    method="GET",
    raw_path="/",
    raw_query="",
    headers=(
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
    ),
    body=b"",
)
PRESIGNED = HttpRequest(
    method="GET",
    raw_path="/",
    raw_query=(
        "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z"
        "&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2Ben"
        "&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    ),
    headers=(("Host", "localhost:8443"),),
    body=b"",
)


def test_the_mutated_seeds_are_valid_to_begin_with() -> None:
    verify_signature(VANILLA, parse_claim(VANILLA), SECRET, NOW)
    claim = parse_claim(PRESIGNED)
    assert (claim.service, claim.expires, claim.security_token) == ("sts", 60, "tok+en")


def mutate(value: str, data: st.DataObject) -> str:
    """Insert, delete or replace a few characters (including structural ones) anywhere in `value`."""
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(value)))
        new = data.draw(st.one_of(fragments, st.characters()))
        how = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if how == "insert":
            value = value[:i] + new + value[i:]
        elif how == "delete":
            value = value[:i] + value[i + 1 :]
        else:
            value = value[:i] + new + value[i + 1 :]
    return value


@FUZZ
@given(st.sampled_from([VANILLA, PRESIGNED]), st.data())
def test_mutated_valid_requests_only_raise_sigv4_error(seed: HttpRequest, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(["method", "raw_path", "raw_query", "header name", "header value", "body"]))
    if field == "method":
        request = dataclasses.replace(seed, method=mutate(seed.method, data))
    elif field == "raw_path":
        request = dataclasses.replace(seed, raw_path=mutate(seed.raw_path, data))
    elif field == "raw_query":
        request = dataclasses.replace(seed, raw_query=mutate(seed.raw_query, data))
    elif field == "body":
        request = dataclasses.replace(seed, body=data.draw(st.binary(max_size=16)))
    else:
        i = data.draw(st.integers(0, len(seed.headers) - 1))
        name, value = seed.headers[i]
        if field == "header name":
            name = mutate(name, data)
        else:
            value = mutate(value, data)
        request = dataclasses.replace(seed, headers=(*seed.headers[:i], (name, value), *seed.headers[i + 1 :]))
    check(request)


@given(anything)
def test_shown_is_always_printable_ascii(value: str) -> None:
    text = shown(value)
    assert text.isascii() and text.isprintable()
