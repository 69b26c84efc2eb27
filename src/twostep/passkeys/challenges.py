"""Challenges: at least 32 random bytes from `secrets`, one outstanding per session and ceremony, taken (removed)
by the response they are checked against, whatever its outcome, and dead after five minutes. A session's end takes
its challenges with it (the rows reference the session)."""

from __future__ import annotations

import secrets

from twostep.passkeys.models import CHALLENGE_BYTES, CHALLENGE_LIFETIME, Ceremony, Challenge
from twostep.passkeys.ports import PasskeyCheckUnitOfWork


def issue(
    uow: PasskeyCheckUnitOfWork, session_hash: str, ceremony: Ceremony, now: float, device_id: str | None = None
) -> Challenge:
    challenge = Challenge(secrets.token_bytes(CHALLENGE_BYTES), ceremony, now + CHALLENGE_LIFETIME, device_id)
    uow.challenges.put(session_hash, challenge)
    return challenge


def take(uow: PasskeyCheckUnitOfWork, session_hash: str, ceremony: Ceremony, now: float) -> Challenge | None:
    """The session's live challenge of this ceremony, now spent; None when there is none or it expired."""
    challenge = uow.challenges.take(session_hash, ceremony.value)
    if challenge is None or challenge.expires_at <= now:
        return None
    return challenge
