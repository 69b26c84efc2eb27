"""Signing in using alternative factors (issue 14) at the service level, on the engine under test: the root user's
mailed link (single use, 15 minutes, bound to the half-signed-in session) and a recovery code; an IAM user's code;
the restricted session they open, and how it becomes an ordinary one. Required MFA's decision is tested here too."""

from __future__ import annotations

import pytest

from tests.helpers import code_at
from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.models import User
from twostep.signin.errors import MfaFailed, RecoveryLinkRefused, RecoveryNotOffered, SessionInvalid
from twostep.signin.models import LOST_DEVICES_KEY, Grant, Stage
from twostep.signin.recovery_links import REQUESTED_EVENT, RecoveryLinkWriter
from twostep.throttling import Throttling

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
VERIFY_URL = "https://console.example/signin/recovery/verify"


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account(EMAIL, PASSWORD)[1]


def enrol(services: Services, clock: FrozenClock, user: User, name: str = "phone") -> tuple[str, ...]:
    new = services.mfa.create_virtual_device(user.account_id, name, actor=user)
    now = clock.now()
    services.mfa.enable(user, new.device.serial, code_at(new.seed, now - 30), code_at(new.seed, now), actor=user)
    return services.recovery.issue_owed(user)


def half_signed_in_root(services: Services) -> Grant:
    grant = services.signin.password_step(email=EMAIL, password=PASSWORD)
    assert grant.session.stage is Stage.NEEDS_MFA
    return grant


def mailed_link(services: Services, root: User) -> str:
    """The link the mail of the newest SignInRecoveryRequested event holds (as the dispatcher writes it)."""
    with services.uow(readonly=True) as uow:
        requested = [e.event for e in uow.audit.events(root.account_id) if e.event.event_name == REQUESTED_EVENT]
    link = RecoveryLinkWriter(services.keyring)(requested[-1])
    assert link is not None and link.startswith(VERIFY_URL + "?token=")
    return link.split("?token=", 1)[1]


def test_the_root_user_needs_the_link_and_a_code(services: Services, clock: FrozenClock, root: User) -> None:
    codes = enrol(services, clock, root)
    half = half_signed_in_root(services)
    factors = services.alternative_factors
    with pytest.raises(RecoveryLinkRefused):  # a code alone is not enough for the root user
        factors.recover(half.token, code=codes[0])
    factors.request_link(half.token, verify_url=VERIFY_URL, source_ip="192.0.2.1")
    token = mailed_link(services, root)
    factors.check_link(half.token, token)
    with pytest.raises(MfaFailed):  # the link alone is not enough either
        factors.recover(half.token, code="aaaaa-aaaaa", link_token=token)
    clock.advance(2)
    grant = factors.recover(half.token, code=codes[0], link_token=token)
    assert grant.session.stage is Stage.RECOVERY and grant.token != half.token
    assert grant.session.data[LOST_DEVICES_KEY] == [d.id for d in services.mfa.devices_of(root)]
    assert services.recovery.status(root).remaining == len(codes) - 1
    with pytest.raises(SessionInvalid):  # the half-signed-in session is over (S14)
        factors.check_link(half.token, token)
    # The link is spent: from a new sign-in it is refused.
    again = half_signed_in_root(services)
    with pytest.raises(RecoveryLinkRefused) as refused:
        factors.recover(again.token, code=codes[1], link_token=token)
    assert refused.value.reason == "used"
    assert services.recovery.status(root).remaining == len(codes) - 1
    with services.uow(readonly=True) as uow:
        names = [e.event.event_name for e in uow.audit.events(root.account_id)]
    assert "ConsoleLoginWithRecoveryCode" in names
    with services.database.audit_snapshot() as snapshot:  # S23: no token in the audit log
        trail = repr([recorded.event for recorded in snapshot.events()])
    assert token.split(".")[1] not in trail and codes[0] not in trail


def test_the_link_expires_after_15_minutes(services: Services, clock: FrozenClock, root: User) -> None:
    codes = enrol(services, clock, root)
    half = half_signed_in_root(services)
    services.alternative_factors.request_link(half.token, verify_url=VERIFY_URL)
    token = mailed_link(services, root)
    clock.advance(15 * 60)
    with pytest.raises(RecoveryLinkRefused) as refused:
        services.alternative_factors.recover(half.token, code=codes[0], link_token=token)
    assert refused.value.reason == "expired"
    assert services.recovery.status(root).remaining == len(codes)  # nothing was spent


def test_the_link_is_bound_to_the_session_that_asked(services: Services, clock: FrozenClock, root: User) -> None:
    codes = enrol(services, clock, root)
    asked = half_signed_in_root(services)
    services.alternative_factors.request_link(asked.token, verify_url=VERIFY_URL)
    token = mailed_link(services, root)
    other = half_signed_in_root(services)
    with pytest.raises(RecoveryLinkRefused) as refused:
        services.alternative_factors.recover(other.token, code=codes[0], link_token=token)
    assert refused.value.reason == "other-session"
    for forged in ("", "nonsense", token[:-2] + "xx", token.split(".")[0] + ".", "0" * 32 + "." + token.split(".")[1]):
        with pytest.raises(RecoveryLinkRefused) as refused:
            services.alternative_factors.check_link(asked.token, forged)
        assert refused.value.reason == "unknown"


def test_a_new_link_withdraws_the_last_and_links_are_limited(
    services: Services, clock: FrozenClock, root: User
) -> None:
    codes = enrol(services, clock, root)
    half = half_signed_in_root(services)
    factors = services.alternative_factors
    factors.request_link(half.token, verify_url=VERIFY_URL)
    first = mailed_link(services, root)
    factors.request_link(half.token, verify_url=VERIFY_URL)
    second = mailed_link(services, root)
    with pytest.raises(RecoveryLinkRefused):
        factors.check_link(half.token, first)
    factors.check_link(half.token, second)
    for _ in range(3):
        factors.request_link(half.token, verify_url=VERIFY_URL)
    with pytest.raises(RecoveryNotOffered):  # five an hour
        factors.request_link(half.token, verify_url=VERIFY_URL)
    clock.advance(3601)
    factors.request_link(services.signin.password_step(email=EMAIL, password=PASSWORD).token, verify_url=VERIFY_URL)
    assert codes


def test_an_iam_user_needs_a_code_only_and_cannot_ask_for_mail(
    services: Services, clock: FrozenClock, root: User
) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password="alice's long password")
    codes = enrol(services, clock, alice)
    half = services.signin.password_step(
        account_id=root.account_id, user_name="alice", password="alice's long password"
    )
    with pytest.raises(RecoveryNotOffered):
        services.alternative_factors.request_link(half.token, verify_url=VERIFY_URL)
    grant = services.alternative_factors.recover(half.token, code=codes[0])
    assert grant.session.stage is Stage.RECOVERY
    current = services.signin.current(grant.token, stage=Stage.RECOVERY)
    assert services.signin.is_fresh(current)  # the proof is fresh for the whole (short) session
    with pytest.raises(SessionInvalid):
        services.signin.current(grant.token)  # not an ordinary signed-in session
    clock.advance(15 * 60 + 1)
    with pytest.raises(SessionInvalid):  # and it is short
        services.signin.current(grant.token, stage=Stage.RECOVERY)


def test_a_lockout_ends_the_half_signed_in_session(services: Services, clock: FrozenClock, root: User) -> None:
    services.verifier.throttling = Throttling(max_failures=3, base_delay=0)
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password="alice's long password")
    enrol(services, clock, alice)
    half = services.signin.password_step(
        account_id=root.account_id, user_name="alice", password="alice's long password"
    )
    for _ in range(2):
        with pytest.raises(MfaFailed) as failed:
            services.alternative_factors.recover(half.token, code="zzzzz-zzzzz")
        assert not failed.value.ended
    with pytest.raises(MfaFailed) as failed:
        services.alternative_factors.recover(half.token, code="zzzzz-zzzzz")
    assert failed.value.ended
    with pytest.raises(SessionInvalid):
        services.alternative_factors.options(half.token)


def test_the_recovery_session_becomes_ordinary_after_an_mfa_change(
    services: Services, clock: FrozenClock, root: User
) -> None:
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password="alice's long password")
    codes = enrol(services, clock, alice)
    half = services.signin.password_step(
        account_id=root.account_id, user_name="alice", password="alice's long password"
    )
    grant = services.alternative_factors.recover(half.token, code=codes[0])
    renewed = services.signin.renew_after_mfa_change(grant.session)
    assert renewed.session.stage is Stage.SIGNED_IN and LOST_DEVICES_KEY not in renewed.session.data


def test_required_mfa(services: Services, clock: FrozenClock, root: User) -> None:
    """The root user always; IAM users when the account requires it, after its grace period."""
    root_session = services.signin.password_step(email=EMAIL, password=PASSWORD)
    assert services.signin.current(root_session.token).requirement.enrolment_only
    alice = services.identity.create_user(root.account_id, "alice", actor=root, password="alice's long password")

    def requirement() -> tuple[bool, float | None]:
        grant = services.signin.password_step(
            account_id=root.account_id, user_name="alice", password="alice's long password"
        )
        found = services.signin.current(grant.token).requirement
        return found.enrolment_only, found.grace_until

    assert requirement() == (False, None)
    services.identity.set_mfa_requirement(root.account_id, True, grace_days=3, actor=root)
    assert requirement() == (False, clock.now() + 3 * 86400)
    clock.advance(3 * 86400)
    assert requirement() == (True, None)
    services.identity.set_mfa_requirement(root.account_id, False, actor=root)
    assert requirement() == (False, None)
    services.identity.set_mfa_requirement(root.account_id, True, actor=root)
    assert requirement() == (True, None)
    enrol(services, clock, alice)  # with a device, sign-in is the ordinary MFA step
    grant = services.signin.password_step(
        account_id=root.account_id, user_name="alice", password="alice's long password"
    )
    assert grant.session.stage is Stage.NEEDS_MFA
    with services.uow(readonly=True) as uow:
        changes = [e.event for e in uow.audit.events(root.account_id) if e.event.event_name.startswith("UpdateAccount")]
    assert [c.details["requireMfa"] for c in changes] == [True, False, True]
