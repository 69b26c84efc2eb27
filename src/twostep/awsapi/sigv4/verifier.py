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

import hmac
import time

from twostep.awsapi.sigv4.canonical import (
    CONTENT_SHA256_HEADER,
    UNSIGNED_PAYLOAD,
    HttpRequest,
    ascii_lower,
    canonical_request,
    credential_scope,
    header_values,
    sha256_hex,
    signature,
    signing_key,
    string_to_sign,
)
from twostep.awsapi.sigv4.claim import AMZ_DATE_FORMAT, SignatureClaim, parse_amz_date, parse_claim
from twostep.awsapi.sigv4.errors import SigV4Error, shown

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
    _, signed_at = parse_amz_date(claim.amz_date)
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
