"""The failures of SigV4 authentication, with the code, message and HTTP status AWS's query API uses.

Statuses follow the IAM/STS "Common Errors" reference: IncompleteSignature 400, MissingAuthenticationToken 403,
InvalidClientTokenId 403, ExpiredToken 403, RequestExpired 400. SignatureDoesNotMatch is 403: it is what IAM
and STS answer for a wrong signature *and* for a header-signed request outside the 15-minute window
("Signature expired: ... is now earlier than ... (... - 15 min.)").
"""

from __future__ import annotations

INCOMPLETE_SIGNATURE = "IncompleteSignature"
MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationToken"
SIGNATURE_DOES_NOT_MATCH = "SignatureDoesNotMatch"
REQUEST_EXPIRED = "RequestExpired"
INVALID_CLIENT_TOKEN_ID = "InvalidClientTokenId"
EXPIRED_TOKEN = "ExpiredToken"
ACCESS_DENIED = "AccessDenied"
CONTENT_SHA256_MISMATCH = "XAmzContentSHA256Mismatch"

SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

_STATUS = {
    INCOMPLETE_SIGNATURE: 400,
    MISSING_AUTHENTICATION_TOKEN: 403,
    SIGNATURE_DOES_NOT_MATCH: 403,
    REQUEST_EXPIRED: 400,
    INVALID_CLIENT_TOKEN_ID: 403,
    EXPIRED_TOKEN: 403,
    ACCESS_DENIED: 403,
    CONTENT_SHA256_MISMATCH: 400,
}


class SigV4Error(Exception):
    """A request failed SigV4 authentication; the adapter renders `code`/`message` as an AWS ErrorResponse.

    Messages may quote parts of the request; those parts pass through `shown()` first, so a message is
    always short printable ASCII and can go into XML, a log line or an HTTP body without a second thought.
    """

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else _STATUS.get(code, 403)

    @classmethod
    def missing_authentication_token(cls) -> SigV4Error:
        return cls(MISSING_AUTHENTICATION_TOKEN, "Request is missing Authentication Token")

    @classmethod
    def incomplete(cls, message: str) -> SigV4Error:
        return cls(INCOMPLETE_SIGNATURE, message)

    @classmethod
    def mismatch(cls, message: str = SIGNATURE_MISMATCH_MESSAGE) -> SigV4Error:
        return cls(SIGNATURE_DOES_NOT_MATCH, message)

    @classmethod
    def request_expired(cls, message: str = "Request has expired.") -> SigV4Error:
        return cls(REQUEST_EXPIRED, message)

    @classmethod
    def invalid_client_token_id(cls) -> SigV4Error:
        """Unknown access key or session token (AWS uses one message for both)."""
        return cls(INVALID_CLIENT_TOKEN_ID, "The security token included in the request is invalid.")

    @classmethod
    def content_sha256_mismatch(cls) -> SigV4Error:
        return cls(
            CONTENT_SHA256_MISMATCH, "The provided 'x-amz-content-sha256' header does not match what was computed."
        )


def shown(value: str, limit: int = 256) -> str:
    """`value` made safe to echo in a message: printable ASCII only (escapes otherwise), at most `limit` chars."""
    out = []
    for ch in value[:limit]:
        if " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
    text = "".join(out)
    return text if len(value) <= limit else text + "..."
