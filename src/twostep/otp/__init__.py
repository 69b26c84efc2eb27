"""Pure one-time-password core: HOTP (RFC 4226), TOTP (RFC 6238), key URIs and QR codes.

No clock, settings, storage or web imports: callers pass times and secrets in.
"""

from twostep.otp.hotp import MAX_COUNTER, MAX_DIGITS, MIN_DIGITS, Algorithm, hotp, is_well_formed_code
from twostep.otp.keyuri import base32_secret, key_uri
from twostep.otp.qr import qr_png, qr_svg
from twostep.otp.totp import (
    SEED_BYTES,
    TotpParameters,
    generate_seed,
    matching_steps,
    time_step,
    totp,
    totp_at_step,
)

__all__ = [
    "MAX_COUNTER",
    "MAX_DIGITS",
    "MIN_DIGITS",
    "SEED_BYTES",
    "Algorithm",
    "TotpParameters",
    "base32_secret",
    "generate_seed",
    "hotp",
    "is_well_formed_code",
    "key_uri",
    "matching_steps",
    "qr_png",
    "qr_svg",
    "time_step",
    "totp",
    "totp_at_step",
]
