"""Server-side AWS Signature Version 4: read the claim a request makes, then check it against a secret key.

Two steps because the secret is looked up by the access key in between (the adapter raises
`SigV4Error.invalid_client_token_id()` for an unknown key):

    claim = parse_claim(request)                  # who says they signed, and how
    secret = lookup(claim.access_key_id, claim.security_token)
    verify_signature(request, claim, secret, now)  # raises SigV4Error unless the signature holds

Both raise only SigV4Error. Header-signed requests (`Authorization: AWS4-HMAC-SHA256 ...`) and presigned
URLs (`?X-Amz-Algorithm=AWS4-HMAC-SHA256&...`) are accepted; any region is accepted in the credential scope.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from twostep.awsapi.sigv4_canonical import (
    ALGORITHM,
    CONTENT_SHA256_HEADER,
    SIGNATURE_PARAM,
    TERMINATOR,
    UNSIGNED_PAYLOAD,
    HttpRequest,
    ascii_lower,
    canonical_request,
    credential_scope,
    header_values,
    query_pairs,
    sha256_hex,
    signature,
    signing_key,
    string_to_sign,
    utf8,
)
from twostep.awsapi.sigv4_errors import SigV4Error, shown

__all__ = [
    "HttpRequest",
    "SigV4Error",
    "SignatureClaim",
    "canonical_request",
    "credential_scope",
    "parse_claim",
    "signing_key",
    "string_to_sign",
    "verify_signature",
]

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PRESIGN_EXPIRES = 604800  # a SigV4 signing key is scoped to a day; AWS caps presigned URLs at 7 days
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_EXPIRES = re.compile(r"[0-9]{1,12}")
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9_]{1,128}")
_SCOPE_PART = re.compile(r"[!-~]{1,128}")  # printable ASCII, no space: safe to log, route on and echo
_TOKEN = re.compile(r"[!-~]{1,16384}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_QUERY_AUTH = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders")
_QUERY_REQUIRED = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")


@dataclass(frozen=True)
class SignatureClaim:
    """What a request says about its own signature, before any key is looked up."""

    access_key_id: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str  # e.g. "iam", "sts": the adapter routes on it
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # X-Amz-Date as sent, or the Date header converted to the same basic ISO 8601 form
    security_token: str | None
    presigned: bool
    expires: int | None  # X-Amz-Expires of a presigned URL


def parse_claim(request: HttpRequest) -> SignatureClaim:
    """Read the Authorization header or the presigned-URL query parameters.

    Raises SigV4Error: MissingAuthenticationToken (403) when the request carries no SigV4 auth at all;
    IncompleteSignature (400) when it is malformed, with AWS's message for the case; InvalidClientTokenId
    (403) for an access key id or session token that cannot exist.
    """
    auth_headers = header_values(request, "authorization")
    query = {}
    repeated = set()
    for raw_name, raw_value in query_pairs(request.raw_query):
        name = raw_name.decode("utf-8", "replace")
        if name in query:
            repeated.add(name)
        query[name] = raw_value.decode("utf-8", "replace")
    query_auth = [name for name in _QUERY_AUTH if name in query]
    if auth_headers and query_auth:
        raise SigV4Error.incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
            "string parameter or the Authorization header should be specified"
        )
    if auth_headers:
        claim = _claim_from_header(request, auth_headers, query)
    elif query_auth:
        claim = _claim_from_query(request, query, repeated)
    else:
        raise SigV4Error.missing_authentication_token()
    if "host" not in {ascii_lower(name) for name in claim.signed_headers}:
        raise SigV4Error.incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    return claim


def _claim_from_header(request: HttpRequest, auth_headers: list[str], query: dict[str, str]) -> SignatureClaim:
    if len(auth_headers) > 1:
        raise SigV4Error.incomplete("Only one Authorization header is allowed.")
    authorization = auth_headers[0].strip()
    algorithm, _, rest = authorization.partition(" ")
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for part in rest.split(","):
            part = part.strip()
            if not part:
                continue
            key, eq, value = part.partition("=")
            if not eq:
                # AWS hashes the offending text: it may be a secret pasted in the wrong place.
                raise SigV4Error.incomplete(
                    "Invalid key=value pair (missing equal-sign) in Authorization header "
                    f"(hashed with SHA-256 and encoded with Base64): '{_digest_b64(part)}'."
                )
            key = key.strip()
            if key in params:
                raise SigV4Error.incomplete(f"Authorization header has more than one '{shown(key)}' parameter.")
            params[key] = value.strip()
    amz_date = _request_date(request)
    # AWS reports everything missing at once, and treats an unknown scheme (Bearer, SigV2...) the same way.
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if amz_date is None:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
    if missing or amz_date is None:
        raise SigV4Error.incomplete("".join(missing) + f"Authorization={shown(authorization)}")
    tokens = [value.strip(" \t") for value in header_values(request, "x-amz-security-token")]
    if "X-Amz-Security-Token" in query:
        tokens.append(query["X-Amz-Security-Token"])
    return _claim(
        credential=params["Credential"],
        signed_headers=params["SignedHeaders"],
        signature_value=params["Signature"],
        amz_date=amz_date,
        tokens=tokens,
        presigned=False,
        expires=None,
    )


def _claim_from_query(request: HttpRequest, query: dict[str, str], repeated: set[str]) -> SignatureClaim:
    for name in (*_QUERY_REQUIRED, SIGNATURE_PARAM):
        if not query.get(name):
            raise SigV4Error.incomplete(
                f"AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
            )
    ambiguous = repeated.intersection((*_QUERY_REQUIRED, SIGNATURE_PARAM, "X-Amz-Security-Token"))
    if ambiguous:
        raise SigV4Error.incomplete(f"AWS query-string parameter '{min(ambiguous)}' must appear only once.")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise SigV4Error.incomplete(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    raw_expires = query["X-Amz-Expires"]
    if not _EXPIRES.fullmatch(raw_expires):
        raise SigV4Error.incomplete("X-Amz-Expires should be a number")
    expires = int(raw_expires)
    if expires > MAX_PRESIGN_EXPIRES:
        raise SigV4Error.incomplete(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        )
    amz_date = _parse_amz_date(query["X-Amz-Date"])[0]
    tokens = [value.strip(" \t") for value in header_values(request, "x-amz-security-token")]
    if "X-Amz-Security-Token" in query:
        tokens.append(query["X-Amz-Security-Token"])
    return _claim(
        credential=query["X-Amz-Credential"],
        signed_headers=query["X-Amz-SignedHeaders"],
        signature_value=query[SIGNATURE_PARAM],
        amz_date=amz_date,
        tokens=tokens,
        presigned=True,
        expires=expires,
    )


def _claim(
    *,
    credential: str,
    signed_headers: str,
    signature_value: str,
    amz_date: str,
    tokens: list[str],
    presigned: bool,
    expires: int | None,
) -> SignatureClaim:
    parts = credential.split("/")
    if len(parts) != 5:
        raise SigV4Error.incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{shown(credential)}'"
        )
    access_key_id, date, region, service, terminator = parts
    if terminator != TERMINATOR:
        raise SigV4Error.incomplete(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{shown(terminator)}'."
        )
    if not _SCOPE_PART.fullmatch(region):
        raise SigV4Error.incomplete(f"Credential should be scoped to a valid region, not '{shown(region)}'. ")
    if not _SCOPE_PART.fullmatch(service):
        raise SigV4Error.incomplete(f"Credential should be scoped to a valid service, not '{shown(service)}'. ")
    if not _SCOPE_PART.fullmatch(date):
        raise SigV4Error.incomplete(f"Credential should be scoped to a valid date, not '{shown(date)}'. ")
    # Both go to the key store next: refuse here what no key or token can look like, so the adapter never
    # hands odd text (control characters, surrogates) to the database.
    if not _ACCESS_KEY_ID.fullmatch(access_key_id):
        raise SigV4Error.invalid_client_token_id()
    if len(set(tokens)) > 1:
        raise SigV4Error.incomplete("The request carries more than one different X-Amz-Security-Token.")
    token = tokens[0] if tokens else None
    if token is not None and not _TOKEN.fullmatch(token):
        raise SigV4Error.invalid_client_token_id()
    names = tuple(signed_headers.split(";"))
    if not all(_HEADER_NAME.fullmatch(name) for name in names):
        raise SigV4Error.incomplete(
            f"SignedHeaders is not a ';'-separated list of header names: '{shown(signed_headers)}'."
        )
    if not _SCOPE_PART.fullmatch(signature_value):
        raise SigV4Error.incomplete(f"Signature is malformed: '{shown(signature_value)}'.")
    return SignatureClaim(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=names,
        signature=signature_value,
        amz_date=amz_date,
        security_token=token,
        presigned=presigned,
        expires=expires,
    )


def _request_date(request: HttpRequest) -> str | None:
    """X-Amz-Date, else the Date header converted to basic ISO 8601 (botocore, when a Date header is set,
    sends it in RFC 1123 form but puts the basic form into the string to sign)."""
    # Stripped as any HTTP parser strips a field value: a hand-built request may still hold the spaces.
    amz = [value.strip(" \t") for value in header_values(request, "x-amz-date")]
    if amz:
        return _parse_amz_date(",".join(amz))[0]
    date = [value.strip(" \t") for value in header_values(request, "date")]
    if not date:
        return None
    value = ",".join(date)
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:  # RFC 5322 "-0000": UTC with no claim about the local zone
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime(AMZ_DATE_FORMAT)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise _bad_date(value) from exc


def _bad_date(value: str) -> SigV4Error:
    return SigV4Error.incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{shown(value)}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_amz_date(value: str) -> tuple[str, int]:
    """(value, seconds since the epoch) for a YYYYMMDD'T'HHMMSS'Z' timestamp."""
    if not _AMZ_DATE.fullmatch(value):
        raise _bad_date(value)
    try:
        # The pattern fixed every digit's place; datetime() refuses what strptime would (month 13, second 60).
        parsed = datetime(
            int(value[0:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]), int(value[11:13]), int(value[13:15])
        )
    except ValueError as exc:
        raise _bad_date(value) from exc
    return value, calendar.timegm(parsed.timetuple())


def _fmt(epoch: float) -> str:
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(epoch))


def _window(seconds: int) -> str:
    return f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} s."


def _check_time(claim: SignatureClaim, signed_at: int, now: float, max_skew: int) -> None:
    """AWS's 15-minute rule. Header-signed requests outside it get SignatureDoesNotMatch with AWS's
    "Signature expired"/"Signature not yet current" texts (botocore reads those to correct clock skew).

    A presigned URL lives X-Amz-Expires seconds, but never more than the skew window: STS, unlike S3,
    does not honour longer expiries, and a long-lived replayable URL is the last thing an MFA service wants.
    """
    if signed_at - now > max_skew:
        raise SigV4Error.mismatch(
            f"Signature not yet current: {claim.amz_date} is still later than {_fmt(now + max_skew)} "
            f"({_fmt(now)} + {_window(max_skew)})"
        )
    if claim.presigned:
        lifetime = max_skew if claim.expires is None else min(claim.expires, max_skew)
        if now - signed_at > lifetime:
            raise SigV4Error.request_expired()
    elif now - signed_at > max_skew:
        raise SigV4Error.mismatch(
            f"Signature expired: {claim.amz_date} is now earlier than {_fmt(now - max_skew)} "
            f"({_fmt(now)} - {_window(max_skew)})"
        )


def _payload_hashes(request: HttpRequest, presigned: bool) -> list[str]:
    """The payload lines a legitimate signer may have used for this request.

    A sent x-amz-content-sha256 must be the body's hash: otherwise a captured request could carry any body
    under the same signature. UNSIGNED-PAYLOAD is accepted only where there is no body to protect (the
    body of an IAM/STS request *is* the action). Presigned URLs: botocore signs the hash of the (empty) body,
    S3-style presigners sign UNSIGNED-PAYLOAD; with an empty body both mean the same, so both are tried.
    """
    body_hash = sha256_hex(request.body)
    sent = header_values(request, CONTENT_SHA256_HEADER)
    if sent:
        if len(sent) == 1 and (sent[0].lower() == body_hash or (sent[0] == UNSIGNED_PAYLOAD and not request.body)):
            return [sent[0]]
        raise SigV4Error.content_sha256_mismatch()
    if presigned and not request.body:
        return [body_hash, UNSIGNED_PAYLOAD]
    return [body_hash]


def verify_signature(
    request: HttpRequest,
    claim: SignatureClaim,
    secret_access_key: str,
    now: float,
    max_skew_seconds: int = 900,
) -> None:
    """Raise SigV4Error unless `claim.signature` is the SigV4 signature of `request` under the secret.

    Checks, in order: the scope date equals the first 8 characters of the request time; the time is within
    `max_skew_seconds` of `now` (presigned: not past X-Amz-Expires, capped at the same window); every signed
    header, Host included, is present; then the signature, compared in constant time.
    """
    _, signed_at = _parse_amz_date(claim.amz_date)
    if claim.date != claim.amz_date[:8]:
        raise SigV4Error.mismatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{shown(claim.date)}' != '{claim.amz_date[:8]}', from '{claim.amz_date}'."
        )
    _check_time(claim, signed_at, now, max_skew_seconds)
    signed = {ascii_lower(name) for name in claim.signed_headers}
    if "host" not in signed:
        raise SigV4Error.incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if not signed <= request.headers_by_name.keys():
        raise SigV4Error.mismatch()
    key = signing_key(secret_access_key, claim.date, claim.region, claim.service)
    scope = credential_scope(claim.date, claim.region, claim.service)
    offered = claim.signature.encode("utf-8", "surrogatepass")
    matched = False
    for payload_hash in _payload_hashes(request, claim.presigned):
        canonical = canonical_request(request, claim.signed_headers, payload_hash=payload_hash)
        expected = signature(key, string_to_sign(canonical, claim.amz_date, scope))
        matched |= hmac.compare_digest(expected.encode("ascii"), offered)
    if not matched:
        raise SigV4Error.mismatch()


def _digest_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(utf8(text)).digest()).decode("ascii")
