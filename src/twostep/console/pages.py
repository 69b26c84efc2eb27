"""What every page handler is given: `Console`, the services with what pages share - a page rendered in the
visitor's language (with the notice and form tokens every page carries), the session behind the cookie, fresh
authentication for MFA changes (S17), the CSRF checks of a submitted form (S16), the words for a domain failure -
and `Halt`, the early exit with a ready response (a redirect, a refusal)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from twostep.awsapi.authorization import decide_action
from twostep.bootstrap import Services
from twostep.client_address import client_address
from twostep.console import security
from twostep.console.error_messages import (
    CODE_REASONS,
    NO_WORDING,
    TRY_AGAIN_IN,
    ReasonWording,
    Wording,
    message_for,
    reason_message,
    wait_seconds,
)
from twostep.console.forms import Form
from twostep.console.i18n import LANGUAGE_NAMES, LANGUAGES, N_, negotiate
from twostep.console.notices import NOTICES
from twostep.console.rendering import Templates
from twostep.identity.models import User
from twostep.mfa.models import MfaDevice
from twostep.policy.language.access import RequestEnvironment
from twostep.policy.language.evaluator import Decision
from twostep.signin.errors import SessionInvalid
from twostep.signin.models import CurrentSession, Stage

LANGUAGE_COOKIE = "twostep-lang"

# Where a user who must have MFA and has none is sent (the Assign MFA device wizard, enrolment_pages.ASSIGN).
ENROLMENT_PAGE = "/security-credentials/mfa/assign"
# Where a user whose login profile says PasswordResetRequired is sent, before anything else (password_pages.py).
PASSWORD_PAGE = "/security-credentials/password"
RECOVERY_PAGE = "/security-credentials"


class Reach(enum.Flag):
    """Who besides a full signed-in session may open a page (Console.signed_in)."""

    NONE = 0
    ENROLMENT = enum.auto()  # a user who must assign an MFA device first (required MFA): the wizard
    RECOVERY = enum.auto()  # a session signed in using alternative factors: Security credentials
    PASSWORD_CHANGE = enum.auto()  # a user who must choose a new password first (PasswordResetRequired)


class Halt(Exception):
    """Ends a page early with a ready response (a redirect, a refusal)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def signin_page(user: User | None, notice: str = "") -> str:
    """Where a user signs in again: IAM users on their account's page, everyone else by email."""
    suffix = f"notice={notice}" if notice else ""
    if user is not None and not user.is_root:
        return f"/signin/iam?account={user.account_id}" + (f"&{suffix}" if suffix else "")
    return "/signin" + (f"?{suffix}" if suffix else "")


@dataclass(frozen=True)
class Console:
    services: Services
    templates: Templates

    @classmethod
    def create(cls, services: Services) -> Console:
        return cls(services, Templates.load())

    # -- language -----------------------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        preference = security.read_cookie(request, LANGUAGE_COOKIE)
        return negotiate(request.headers.get("accept-language"), preference)

    def gettext(self, request: Request, message: str) -> str:
        return self.templates.gettext(self.language(request), message)

    def error(
        self,
        request: Request,
        failure: Exception,
        wording: Wording = NO_WORDING,
        reasons: ReasonWording = CODE_REASONS,
    ) -> str:
        """The message shown for a domain failure (console/error_messages.py), in the visitor's language: for a
        rejected code after the password step, why (a throttled attempt with its wait, a code already used)."""
        seconds = wait_seconds(failure)
        if seconds is not None:
            language = self.language(request)
            text = self.templates.ngettext(language, TRY_AGAIN_IN.singular, TRY_AGAIN_IN.plural, seconds)
            return text % {"num": seconds}
        message = reason_message(failure, reasons) or message_for(failure, wording)
        return str(failure) if message is None else self.gettext(request, message)

    # -- responses ----------------------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        current: CurrentSession | None = None,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        language = self.language(request)
        form_token = security.form_token(request)
        new_form_token = None if form_token else security.new_form_token()
        notice = NOTICES.get(request.query_params.get("notice", ""))
        stage = current.session.stage if current else None
        values: dict[str, Any] = {
            "lang": language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "current": current,
            "signed_in": stage in (Stage.SIGNED_IN, Stage.RECOVERY),
            # A recovery session, or a user who must assign an MFA device first: the console's links are of no use.
            "restricted": stage is Stage.RECOVERY
            or bool(current and (current.requirement.enrolment_only or current.user.password_reset_required)),
            "mfa_grace_until": current.requirement.grace_until if current else None,
            "now": self.services.clock.now(),
            "may_list_users": stage is Stage.SIGNED_IN and current is not None and self._lists_users(request, current),
            "csrf_token": current.session.csrf_token if current else "",
            "form_token": form_token or new_form_token,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "notice": notice,
            "error": error,
            **(context or {}),
        }
        html = self.templates.render(language, template, values)
        # Console pages show account data and, during enrolment, a seed: nothing is kept by caches (S21).
        headers = {"cache-control": "no-store", "content-language": language}
        response = HTMLResponse(html, status_code=status, headers=headers)
        if new_form_token:
            security.set_form_cookie(response, request, new_form_token)
        return response

    def refuse(self, request: Request, message: str, status: int = 403) -> Halt:
        return Halt(self.render(request, "error.html", {"message": message}, status=status))

    def bad_request(self, request: Request) -> Halt:
        return self.refuse(request, self.gettext(request, N_("The form could not be read.")), status=400)

    # -- permissions --------------------------------------------------------------------------------------

    def decide(
        self, request: Request, current: CurrentSession, action: str, params: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """The resource and the decision for IAM ``action`` with the API's parameters, made as the API makes it
        (awsapi.authorization.decide_action) in the console session's context: a console sign-in is a temporary
        session, with aws:MultiFactorAuthPresent true when the MFA step was passed."""
        environment = RequestEnvironment(
            now=self.services.clock.now(),
            temporary=True,
            mfa_authenticated_at=current.session.mfa_at,
            source_ip=client_address(request),
            secure_transport=security.is_https(request),
        )
        resource, explanation = decide_action(self.services, current.user, "iam", action, params, environment)
        return resource, explanation.decision is Decision.ALLOW

    def allows(self, request: Request, current: CurrentSession, action: str, params: Mapping[str, Any]) -> bool:
        return self.decide(request, current, action, params)[1]

    def _lists_users(self, request: Request, current: CurrentSession) -> bool:
        """The Users link: for whoever may call iam:ListUsers (the root user, an administrator)."""
        return current.user.is_root or self.allows(request, current, "ListUsers", {})

    # -- sessions -----------------------------------------------------------------------------------------

    def signed_in(self, request: Request, *, also: Reach = Reach.NONE) -> CurrentSession:
        """The signed-in session, or a redirect to sign-in (a half-signed-in session gets nothing else, S14).

        A session signed in using alternative factors reaches only the pages that name Reach.RECOVERY, a user who
        must choose a new password first only those that name Reach.PASSWORD_CHANGE, and a user who must assign an
        MFA device first only those that name Reach.ENROLMENT: anything else sends them there.
        """
        stages = (Stage.SIGNED_IN, Stage.RECOVERY)
        try:
            current = self.services.signin.current(security.session_token(request), stage=stages)
        except SessionInvalid:
            raise self.session_ended(request) from None
        if current.session.stage is Stage.RECOVERY and Reach.RECOVERY not in also:
            raise Halt(redirect(RECOVERY_PAGE))
        must_change = current.session.stage is Stage.SIGNED_IN and current.user.password_reset_required
        if must_change and Reach.PASSWORD_CHANGE not in also:
            raise Halt(redirect(PASSWORD_PAGE))
        if current.requirement.enrolment_only and Reach.ENROLMENT not in also and not must_change:
            raise Halt(redirect(ENROLMENT_PAGE))
        return current

    def half_signed_in(self, request: Request) -> tuple[CurrentSession, list[MfaDevice]]:
        """The session that passed the password step and waits for its MFA step, and its user's devices."""
        try:
            return self.services.signin.half_signed_in(security.session_token(request))
        except SessionInvalid:
            raise self.session_ended(request) from None

    def session_ended(self, request: Request) -> Halt:
        """No live session: back to sign-in. When the cookie's session was ended by a change (S18) - another tab
        changed MFA, the password changed, an administrator ended it - the sign-in page says why, once (the cookie
        goes). Only the holder of that cookie finds the record (identity/session_endings.py)."""
        token = security.session_token(request)
        ended = self.services.signin.ended_session(token)
        if ended is None:
            return Halt(redirect("/signin"))
        reason, user = ended
        response = redirect(signin_page(user, reason.value))
        security.clear_session_cookie(response, request)
        return Halt(response)

    def require_fresh(
        self,
        request: Request,
        current: CurrentSession,
        back_to: str,
        *,
        password_on_form: bool = False,
        wizard_started_at: float | None = None,
    ) -> None:
        """S17: changes to MFA need a password (and code) proved within minutes (for the Assign MFA device wizard,
        minutes before it started); else confirm them first. A form that asks for the password itself (Change
        password) needs only the code to be recent."""
        fresh = self.services.signin.is_fresh(
            current, password_on_form=password_on_form, wizard_started_at=wizard_started_at
        )
        if not fresh:
            raise Halt(redirect("/reauthenticate?next=" + quote(back_to, safe="/")))

    # -- forms --------------------------------------------------------------------------------------------

    def check_session_form(self, request: Request, form: Form, current: CurrentSession) -> None:
        """S16: our own origin, and the token bound to this session."""
        if not security.origin_allowed(request) or not security.tokens_match(
            current.session.csrf_token, form.text("csrf_token")
        ):
            raise self._csrf_refused(request)

    def check_presession_form(self, request: Request, form: Form) -> None:
        """Forms shown before a session exists: our own origin and the double-submit token."""
        if not security.origin_allowed(request) or not security.tokens_match(
            security.form_token(request), form.text("form_token")
        ):
            raise self._csrf_refused(request)

    def _csrf_refused(self, request: Request) -> Halt:
        message = N_("This request could not be verified. Go back, reload the page and try again.")
        return self.refuse(request, self.gettext(request, message))
