"""The claim a SigV4-signed request makes: who says they signed it, when, for which scope, and how.

`parse_claim` reads it from the Authorization header or from a presigned URL's query and raises only SigV4Error;
`verifier.verify_signature` then checks it against the secret key.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from twostep.awsapi.sigv4.canonical import (
    ALGORITHM,
    SIGNATURE_PARAM,
    TERMINATOR,
    HttpRequest,
    ascii_lower,
    header_values,
    query_pairs,
    utf8,
)
from twostep.awsapi.sigv4.errors import SigV4Error, shown

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
    amz_date = parse_amz_date(query["X-Amz-Date"])[0]
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
        return parse_amz_date(",".join(amz))[0]
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


def parse_amz_date(value: str) -> tuple[str, int]:
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


def _digest_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(utf8(text)).digest()).decode("ascii")
