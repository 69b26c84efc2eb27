"""SigV4 verifier against the AWS Signature Version 4 test suite, plus the 15-minute rule and AWS's errors."""

from __future__ import annotations

import calendar
import dataclasses
from pathlib import Path

import pytest

from twostep.awsapi.sigv4.canonical import canonical_query_string, canonical_uri, signature
from twostep.awsapi.sigv4.verifier import (
    HttpRequest,
    SigV4Error,
    canonical_request,
    parse_claim,
    signing_key,
    string_to_sign,
    verify_signature,
)

SUITE = Path(__file__).resolve().parent / "data" / "aws4_testsuite"  # AWS's suite, with its LICENSE and NOTICE
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SCOPE = "20150830/us-east-1/service/aws4_request"
SUITE_TIME = calendar.timegm((2015, 8, 30, 12, 36, 0))

# The suite's .req for this case lacks the X-Amz-Security-Token header that the signer adds (its .creq has it),
# and its .sreq carries get-vanilla's signature (5fa00f...) instead of the one in its own .authz (07ec16...),
# which is the signature of its .creq. So: the canonical request is checked on the .sreq, and the shipped
# .sreq must be *refused*; the same request with the .authz header must be accepted.
INCONSISTENT_SREQ = "get-vanilla-with-session-token"


def parse_raw(raw: bytes) -> HttpRequest:
    """A tiny HTTP/1.1 request parser for the suite's files: request line, headers (value stripped of
    surrounding spaces as servers do; a line starting with whitespace continues the previous header:
    obs-fold, kept as received), blank line, body."""
    head, _, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    words = lines[0].split(b" ")
    # The target may hold raw spaces (normalize-path/get-space): it is everything between method and version.
    method, target = words[0], b" ".join(words[1:-1])
    path, _, query = target.partition(b"?")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b"\n" + line)
        elif line:
            name, _, value = line.partition(b":")
            headers.append((name, value.strip(b" \t")))
    return HttpRequest.from_wire(method, path, query, headers, body)


def case_dirs() -> list[Path]:
    return sorted(p.parent for p in SUITE.rglob("*.creq"))


CASES = case_dirs()


def read(case: Path, ext: str) -> bytes:
    return (case / f"{case.name}{ext}").read_bytes()


def with_header(request: HttpRequest, name: str, value: str | None) -> HttpRequest:
    """`request` with every `name` header replaced by one `value` (or removed when None)."""
    kept = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    if value is not None:
        kept.append((name, value))
    return dataclasses.replace(request, headers=tuple(kept))


def test_the_whole_suite_is_found() -> None:
    # 24 top-level cases + 8 under normalize-path/ + 2 under post-sts-token/.
    names = {case.name for case in CASES}
    assert len(CASES) == 34
    assert {"get-space", "get-relative-relative", "post-sts-header-after", "post-sts-header-before"} <= names


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c.relative_to(SUITE)))
def test_canonical_request_and_string_to_sign(case: Path) -> None:
    sreq = parse_raw(read(case, ".sreq"))
    claim = parse_claim(sreq)
    source = sreq if case.name == INCONSISTENT_SREQ else parse_raw(read(case, ".req"))
    canonical = canonical_request(source, claim.signed_headers)
    assert canonical == read(case, ".creq").decode()
    assert canonical_request(sreq, claim.signed_headers) == canonical
    to_sign = string_to_sign(canonical, claim.amz_date, SCOPE)
    assert to_sign == read(case, ".sts").decode()
    authz = read(case, ".authz").decode()
    key = signing_key(SECRET, "20150830", "us-east-1", "service")
    assert authz.endswith(f"Signature={signature(key, to_sign)}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c.relative_to(SUITE)))
def test_signed_request_verifies(case: Path) -> None:
    sreq = parse_raw(read(case, ".sreq"))
    if case.name == INCONSISTENT_SREQ:
        with pytest.raises(SigV4Error) as refused:
            verify_signature(sreq, parse_claim(sreq), SECRET, SUITE_TIME)
        assert refused.value.code == "SignatureDoesNotMatch"
        sreq = with_header(sreq, "Authorization", read(case, ".authz").decode())
    claim = parse_claim(sreq)
    assert (claim.access_key_id, claim.date, claim.region, claim.service) == (
        "AKIDEXAMPLE",
        "20150830",
        "us-east-1",
        "service",
    )
    assert claim.amz_date == "20150830T123600Z"
    assert not claim.presigned
    verify_signature(sreq, claim, SECRET, SUITE_TIME)
    with pytest.raises(SigV4Error) as wrong_key:
        verify_signature(sreq, claim, SECRET[:-1] + "X", SUITE_TIME)
    assert (wrong_key.value.code, wrong_key.value.status) == ("SignatureDoesNotMatch", 403)


def test_security_token_signed_or_added_after_signing() -> None:
    for name in ("post-sts-header-before", "post-sts-header-after"):
        sreq = parse_raw(read(SUITE / "post-sts-token" / name, ".sreq"))
        claim = parse_claim(sreq)
        assert claim.security_token is not None and claim.security_token.startswith("AQoDYXdzEPT//")
        assert ("x-amz-security-token" in claim.signed_headers) == (name == "post-sts-header-before")
        verify_signature(sreq, claim, SECRET, SUITE_TIME)


def vanilla() -> HttpRequest:
    return parse_raw(read(SUITE / "get-vanilla", ".sreq"))


# -- the 15-minute rule (S24) -----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-900, -840, -1, 0, 1, 840, 900])
def test_within_fifteen_minutes_is_accepted(offset: int) -> None:
    request = vanilla()
    verify_signature(request, parse_claim(request), SECRET, SUITE_TIME + offset)


def test_more_than_fifteen_minutes_late_is_expired() -> None:
    request = vanilla()
    with pytest.raises(SigV4Error) as exc:
        verify_signature(request, parse_claim(request), SECRET, SUITE_TIME + 901)
    assert (exc.value.code, exc.value.status) == ("SignatureDoesNotMatch", 403)
    assert exc.value.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    )


def test_more_than_fifteen_minutes_early_is_not_yet_current() -> None:
    request = vanilla()
    with pytest.raises(SigV4Error) as exc:
        verify_signature(request, parse_claim(request), SECRET, SUITE_TIME - 901)
    assert exc.value.code == "SignatureDoesNotMatch"
    assert exc.value.message == (
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"
    )


def test_skew_window_is_configurable() -> None:
    request = vanilla()
    verify_signature(request, parse_claim(request), SECRET, SUITE_TIME + 300, max_skew_seconds=300)
    with pytest.raises(SigV4Error, match=r"\(20150830T124101Z - 5 min\.\)"):
        verify_signature(request, parse_claim(request), SECRET, SUITE_TIME + 301, max_skew_seconds=300)


# -- AWS's errors for requests that cannot be verified ----------------------------------------------------


def error_of(request: HttpRequest, now: float = SUITE_TIME) -> SigV4Error:
    with pytest.raises(SigV4Error) as exc:
        verify_signature(request, parse_claim(request), SECRET, now)
    return exc.value


VANILLA_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
)


def test_no_authentication_at_all() -> None:
    error = error_of(with_header(vanilla(), "Authorization", None))
    assert (error.code, error.status, error.message) == (
        "MissingAuthenticationToken",
        403,
        "Request is missing Authentication Token",
    )


def test_other_scheme_lists_everything_missing() -> None:
    error = error_of(with_header(vanilla(), "Authorization", "Bearer abc"))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert error.message == (
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
        "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc"
    )


def test_missing_parts_and_date() -> None:
    request = with_header(vanilla(), "X-Amz-Date", None)
    request = with_header(request, "Authorization", VANILLA_AUTH.split(", Signature")[0])
    error = error_of(request)
    assert error.code == "IncompleteSignature"
    assert error.message.startswith(
        "Authorization header requires 'Signature' parameter. Authorization header requires existence of "
        "either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
    )


@pytest.mark.parametrize(
    ("authorization", "code", "message"),
    [
        (
            VANILLA_AUTH.replace("AKIDEXAMPLE/", ""),
            "IncompleteSignature",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            "got '20150830/us-east-1/service/aws4_request'",
        ),
        (
            VANILLA_AUTH.replace("aws4_request", "aws5_request"),
            "IncompleteSignature",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
        ),
        (
            VANILLA_AUTH.replace("host;", ""),
            "IncompleteSignature",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            VANILLA_AUTH.replace("AKIDEXAMPLE", "AKID\x00EXAMPLE"),
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        (
            VANILLA_AUTH.replace("/20150830/", "/20150831/"),
            "SignatureDoesNotMatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            "'20150831' != '20150830', from '20150830T123600Z'.",
        ),
        (
            VANILLA_AUTH.replace("host;x-amz-date", "host;my-header;x-amz-date"),
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.",
        ),
    ],
)
def test_malformed_authorization(authorization: str, code: str, message: str) -> None:
    error = error_of(with_header(vanilla(), "Authorization", authorization))
    assert (error.code, error.message) == (code, message)


def test_missing_equal_sign_is_reported_hashed() -> None:
    error = error_of(with_header(vanilla(), "Authorization", VANILLA_AUTH + ", mysecret"))
    assert error.code == "IncompleteSignature"
    assert "mysecret" not in error.message
    assert error.message.startswith("Invalid key=value pair (missing equal-sign) in Authorization header")


def test_bad_amz_date() -> None:
    error = error_of(with_header(vanilla(), "X-Amz-Date", "2015-08-30T12:36:00Z"))
    assert (error.code, error.message) == (
        "IncompleteSignature",
        "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    )


def test_header_and_query_auth_together() -> None:
    request = dataclasses.replace(vanilla(), raw_query="X-Amz-Signature=abc")
    assert error_of(request).code == "IncompleteSignature"


def test_content_sha256_must_be_the_body_hash() -> None:
    request = with_header(vanilla(), "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    request = dataclasses.replace(request, body=b"Action=DeleteUser&UserName=alice")
    error = error_of(request)
    assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)


def test_presigned_needs_every_parameter() -> None:
    request = dataclasses.replace(
        with_header(vanilla(), "Authorization", None),
        raw_query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice"
        "%2Faws4_request&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
    )
    error = error_of(request)
    assert (error.code, error.message) == (
        "IncompleteSignature",
        "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    )


def test_messages_never_echo_raw_control_or_non_ascii_text() -> None:
    error = error_of(with_header(vanilla(), "Authorization", "Bearer \x00\u202e\udcff" + "x" * 1000))
    assert error.message.isascii() and error.message.isprintable()
    assert len(error.message) < 600


# -- canonical pieces, beyond the suite ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_path", "canonical"),
    [
        ("", "/"),
        ("/", "/"),
        ("/a%20b", "/a%2520b"),
        ("/a/./b/../c//d/", "/a/c/d/"),
        ("/a/b/..", "/a"),
        ("/../..", "/"),
        ("/%2E%2E/x", "/%252E%252E/x"),
        ("/~user/$x", "/~user/%24x"),
    ],
)
def test_canonical_uri(raw_path: str, canonical: str) -> None:
    assert canonical_uri(raw_path) == canonical


@pytest.mark.parametrize(
    ("raw_query", "canonical"),
    [
        ("", ""),
        ("b=2&a=1&a=0", "a=0&a=1&b=2"),
        ("a=x+y&c=%7e&d=~", "a=x%20y&c=~&d=~"),
        ("flag&&e=", "e=&flag="),
        ("k=%zz", "k=%25zz"),
        ("X-Amz-Signature=00&A=1", "A=1"),
    ],
)
def test_canonical_query_string(raw_query: str, canonical: str) -> None:
    assert canonical_query_string(raw_query) == canonical
