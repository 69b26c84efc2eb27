"""Changing one's own password on a real store (both engines) with a frozen clock: the current password through the
sign-in's guarded check (S11, S35), one transaction with its audit event (S29), the other sessions ended (S18)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from twostep.bootstrap import Services
from twostep.clock import FrozenClock
from twostep.identity.errors import NoLoginProfile, PasswordTooCommon, PasswordUnchanged
from twostep.identity.models import User
from twostep.signin.errors import SessionInvalid, SignInFailed

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account("owner@example.com", PASSWORD)[1]


@pytest.fixture
def alice(services: Services, root: User) -> User:
    services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
    services.identity.set_password_reset_required(root.account_id, "alice", True, actor=root)
    return services.identity.user(root.account_id, "alice")


def failures(services: Services, who: User) -> int:
    with services.uow(readonly=True) as uow:
        return uow.users.password_throttle(who.id)[0]


def events(services: Services, who: User) -> list[tuple[str, str | None]]:
    with services.uow(readonly=True) as uow:
        return [
            (e.event.event_name, e.event.error_code)
            for e in uow.audit.events(who.account_id)
            if e.event.event_name == "ChangePassword"
        ]


def test_the_kept_session_continues_under_a_new_id_and_the_others_end(
    services: Services, clock: FrozenClock, alice: User
) -> None:
    here = services.signin.password_step(account_id=alice.account_id, user_name="alice", password=PASSWORD)
    elsewhere = services.signin.password_step(account_id=alice.account_id, user_name="alice", password=PASSWORD)
    clock.advance(10)
    grant = services.signin.change_password(alice, old_password=PASSWORD, new_password=NEW, keep=here.session)
    assert grant is not None and grant.token != here.token
    current = services.signin.current(grant.token)
    assert current.session.authenticated_at == clock.now()  # the password was just proved
    assert current.session.created_at == here.session.created_at  # the absolute timeout still counts from sign-in
    assert not current.user.password_reset_required
    for ended in (here, elsewhere):
        with pytest.raises(SessionInvalid):
            services.signin.current(ended.token)
    assert events(services, alice) == [("ChangePassword", None)]
    with pytest.raises(SignInFailed):
        services.signin.password_step(account_id=alice.account_id, user_name="alice", password=PASSWORD)
    clock.advance(5)
    services.signin.password_step(account_id=alice.account_id, user_name="alice", password=NEW)


def test_refusals_of_the_new_password_count_nothing(services: Services, alice: User) -> None:
    for new, refused in (("password1", PasswordTooCommon), (PASSWORD, PasswordUnchanged)):
        with pytest.raises(refused):
            services.signin.change_password(alice, old_password=PASSWORD, new_password=new)
    assert failures(services, alice) == 0 and events(services, alice) == []


def test_a_wrong_old_password_counts_like_a_sign_in(services: Services, clock: FrozenClock, alice: User) -> None:
    with pytest.raises(SignInFailed):
        services.signin.change_password(alice, old_password="wrong password", new_password=NEW)
    assert failures(services, alice) == 1
    with pytest.raises(SignInFailed):  # within the delay: not evaluated, and the sign-in waits too
        services.signin.change_password(alice, old_password=PASSWORD, new_password=NEW)
    with pytest.raises(SignInFailed):
        services.signin.password_step(account_id=alice.account_id, user_name="alice", password=PASSWORD)
    clock.advance(60)
    services.signin.change_password(alice, old_password=PASSWORD, new_password=NEW)
    assert failures(services, alice) == 0
    assert [error for _, error in events(services, alice)] == ["Failed authentication", "Failed authentication", None]


def test_parallel_guesses_evaluate_one_at_a_time(services: Services, alice: User) -> None:
    """S35: the attempt is reserved before the hash runs: of many parallel guesses, one is evaluated at a time."""

    def guess(i: int) -> bool:
        try:
            services.signin.change_password(alice, old_password=f"guess number {i}", new_password=NEW)
        except SignInFailed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(guess, range(16)))
    assert not any(results)
    assert failures(services, alice) == 1  # the first reserved the attempt; the rest met its delay, unevaluated


def test_a_user_without_a_console_password_has_none_to_change(services: Services, root: User) -> None:
    bob = services.identity.create_user(root.account_id, "bob", actor=root)
    with pytest.raises(NoLoginProfile):
        services.signin.change_password(bob, old_password="anything at all", new_password=NEW)
