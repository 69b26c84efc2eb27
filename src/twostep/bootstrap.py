"""The one place that wires implementations together. Tests build their own with build(settings, clock=...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twostep.audit.head_signature import HeadSigner
from twostep.clock import Clock, OffsetFileClock, SystemClock
from twostep.crypto.keyring import KeyRing
from twostep.crypto.passwords import PasswordHasher
from twostep.groups.service import GroupService
from twostep.identity.password_policy import PasswordPolicy
from twostep.identity.service import IdentityService
from twostep.mfa.recovery import MfaRecovery
from twostep.mfa.service import MfaService
from twostep.mfa.verifier import CodeVerifier
from twostep.notify.dispatcher import NotificationDispatcher
from twostep.notify.smtp import SmtpMailer
from twostep.passkeys.assertions import AssertionChecker
from twostep.passkeys.service import PasskeyService
from twostep.policy.stored.service import PolicyService
from twostep.roles.service import RoleService
from twostep.settings import Settings
from twostep.signin.alternative_factors import AlternativeFactors
from twostep.signin.recovery_links import RecoveryLinkWriter
from twostep.signin.service import SignInService
from twostep.store.database import Database
from twostep.store.unit_of_work import SqlUnitOfWorkFactory
from twostep.sts.service import StsService
from twostep.tokens.service import TokenService


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    database: Database
    uow: SqlUnitOfWorkFactory
    keyring: KeyRing
    hasher: PasswordHasher
    verifier: CodeVerifier
    identity: IdentityService
    mfa: MfaService
    passkeys: PasskeyService
    signin: SignInService
    policies: PolicyService
    sts: StsService
    roles: RoleService
    groups: GroupService
    tokens: TokenService
    recovery: MfaRecovery  # recovery codes and the break-glass reset
    alternative_factors: AlternativeFactors  # signing in without the MFA device
    notifications: NotificationDispatcher | None = None  # mail to account owners, when SMTP is set

    def close(self) -> None:
        """Release the database's connections (commands and tests; a server keeps its services for its lifetime)."""
        self.database.close()


def build(settings: Settings, *, clock: Clock | None = None, keyring: KeyRing | None = None) -> Services:
    if clock is None:
        clock = OffsetFileClock(settings.clock_offset_file) if settings.clock_offset_file else SystemClock()
    keyring = keyring or KeyRing.load(settings.key_file)
    database = Database(settings.database_url)
    uow = database.units_of_work(HeadSigner(keyring))
    hasher = PasswordHasher()
    password_policy = PasswordPolicy()
    verifier = _verifier(settings, database, keyring, clock)
    policies = PolicyService(uow, clock)
    mfa = MfaService(uow, clock, keyring, verifier)
    return Services(
        settings=settings,
        clock=clock,
        database=database,
        uow=uow,
        keyring=keyring,
        hasher=hasher,
        verifier=verifier,
        identity=IdentityService(uow, clock, keyring, hasher, password_policy),
        mfa=mfa,
        passkeys=PasskeyService(uow, clock, keyring, mfa),
        signin=SignInService(
            uow, clock, hasher, verifier, assertions=AssertionChecker(verifier, clock), password_policy=password_policy
        ),
        policies=policies,
        sts=StsService(uow, clock, keyring, verifier),
        roles=RoleService(uow, clock, policies),
        groups=GroupService(uow, clock, policies),
        tokens=TokenService(uow, clock, keyring),
        recovery=MfaRecovery(uow, clock, keyring, verifier),
        alternative_factors=AlternativeFactors(uow, clock, keyring, verifier),
        notifications=_notifications(settings, database, clock, keyring),
    )


def _verifier(settings: Settings, database: Database, keyring: KeyRing, clock: Clock) -> CodeVerifier:
    """The one code verifier; with metrics or JSON logs on, one that also reports each check's outcome."""
    if not settings.observed:
        return CodeVerifier(keyring, clock, settings.mfa_throttle)
    from twostep.observability.code_checks import ObservedCodeVerifier

    observer: Callable[[str, str], None] = lambda _purpose, _outcome: None  # noqa: E731
    if settings.metrics or settings.metrics_port is not None:
        from twostep.observability.metrics import METRICS  # prometheus_client loads only here

        METRICS.pool_limit.set(database.observe(METRICS))
        observer = METRICS.code_check
    return ObservedCodeVerifier(keyring, clock, settings.mfa_throttle, observer=observer)


def _notifications(
    settings: Settings, database: Database, clock: Clock, keyring: KeyRing
) -> NotificationDispatcher | None:
    if settings.smtp is None:
        return None
    outbox, mailer = database.notification_outbox(), SmtpMailer(settings.smtp)
    return NotificationDispatcher(outbox, mailer, clock, link_for=RecoveryLinkWriter(keyring))
