"""S5 on the API: a code that is not exactly six ASCII digits is a failed attempt on the device it was sent for.

botocore's models constrain AuthenticationCode1/2 and TokenCode (length 6, ``[\\d]+`` / ``[\\d]*``), so AWS answers
a malformed code with ``ValidationError`` before any operation runs, and so does twostep. Left at that, a malformed
code would cost its sender nothing, while the same input at the console counts as a failure: the security bar wants
it counted on every path (the Vault CVE-2025-6014 family came from treating odd input differently).

So when only the code members of EnableMFADevice, ResyncMFADevice, GetSessionToken or AssumeRole fail validation,
the operation's own handler runs with the raw codes, authorized like any call: the MFA or STS service finds the
device the request names (in the caller's account, for the user it names or the caller), and the one CodeVerifier
rejects the codes as MALFORMED, counting the failure (progressive delay, lockout, audit event). The answer stays the
ValidationError AWS sends. The handler gets each malformed code as an empty string: a hardware token may take eight
digits (tokens/), and an eight-digit code, malformed here as at AWS, must not match it on this path. An empty code
never matches any device, so the handler cannot succeed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twostep.awsapi.context import CallContext, Handler
from twostep.awsapi.protocol.errors import ApiError
from twostep.awsapi.protocol.model import ServiceModel
from twostep.awsapi.protocol.validation import validate_parameters
from twostep.otp import is_well_formed_code

# (service, action) -> the members that carry codes.
CODE_MEMBERS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("iam", "EnableMFADevice"): ("AuthenticationCode1", "AuthenticationCode2"),
    ("iam", "ResyncMFADevice"): ("AuthenticationCode1", "AuthenticationCode2"),
    ("sts", "GetSessionToken"): ("TokenCode",),
    ("sts", "AssumeRole"): ("TokenCode",),
}
_WELL_FORMED = "000000"

Authorize = Callable[[CallContext, dict[str, Any]], None]


def only_codes_malformed(model: ServiceModel, context: CallContext, params: dict[str, Any]) -> bool:
    """Whether the request is valid except that one or more of its codes are not six ASCII digits."""
    members = CODE_MEMBERS.get((context.service, context.action))
    if members is None:
        return False
    codes = [params.get(member) for member in members]
    strings = [code for code in codes if isinstance(code, str)]
    if len(strings) != len(codes) or all(is_well_formed_code(code) for code in strings):
        return False  # a missing code is not an attempt; well-formed codes failed for another reason
    try:
        validate_parameters(model, context.action, {**params, **dict.fromkeys(members, _WELL_FORMED)})
    except ApiError:
        return False  # other members are invalid too: the request names no attempt AWS would look at
    return True


def count_malformed_codes(
    model: ServiceModel,
    context: CallContext,
    params: dict[str, Any],
    handler: Handler | None,
    authorize: Authorize,
) -> None:
    """Run the operation with its raw, malformed codes so that the verifier counts them (S5); answers nothing.

    Refusals (not authorized, no such user or device, device locked or throttled, the code rejected) are the
    expected outcomes and are dropped: the caller gets the ValidationError either way.
    """
    if handler is None or not only_codes_malformed(model, context, params):
        return
    members = CODE_MEMBERS[(context.service, context.action)]
    emptied = {member: "" for member in members if not is_well_formed_code(params[member])}
    try:
        authorize(context, params)
        handler(context, {**params, **emptied})
    except ApiError:
        return
