"""What every console page shares: rendering in the visitor's language, the session behind the cookie,
checked forms, and an early exit (Halt) for redirects and refusals."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import anyio
import jinja2
from babel.dates import format_datetime
from babel.support import Translations
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from twostep.bootstrap import Services
from twostep.console import security
from twostep.console.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Catalogs, load_catalogs, negotiate
from twostep.request_body import CONSOLE_BODY_LIMIT, BodyTooLarge, read_body
from twostep.signin.errors import SessionInvalid
from twostep.signin.models import CurrentSession, Stage

LANGUAGE_COOKIE = "twostep-lang"
MAX_FIELD_LENGTH = 1024

# One-line confirmations after a redirect, named in the query string (?notice=...): never free text.
NOTICES = {
    "assigned": N_("The MFA device was assigned. From now on, signing in asks for a code from it."),
    "resynced": N_("The MFA device was resynchronised."),
    "removed": N_("The MFA device was removed."),
    "user-created": N_("The user was created."),
    "signed-out": N_("You signed out."),
    "signed-out-everywhere": N_("You signed out of every session."),
    "mfa-ended": N_(
        "Too many failed attempts. Sign in again; if your codes keep failing, resync your MFA device from the "
        "multi-factor authentication page."
    ),
    "device-resynced": N_("Your MFA device was resynchronised. Enter the next code it shows."),
}


class Halt(Exception):
    """Ends a page early with a ready response (a redirect, a refusal)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class FieldTooLong(Exception):
    """A submitted field is longer than any legitimate value."""


class Form:
    """Submitted fields as plain strings: files and over-long values are refused, never crash a page (S28)."""

    def __init__(self, data: FormData | None = None) -> None:
        self._data = data

    def text(self, name: str, *, strip: bool = False) -> str:
        value = self._data.get(name) if self._data is not None else None
        if not isinstance(value, str):
            return ""
        if len(value) > MAX_FIELD_LENGTH:
            raise FieldTooLong(name)
        return value.strip() if strip else value


Page = Callable[[Request, Form], Response]


def local_path(target: str, default: str = "/") -> str:
    """A redirect target only within this site: a path, never //host or a scheme."""
    within = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if within and all(c.isprintable() and not c.isspace() for c in target):
        return target
    return default


@dataclass
class Console:
    services: Services
    catalogs: Catalogs
    environments: dict[str, jinja2.Environment]

    @classmethod
    def create(cls, services: Services) -> Console:
        catalogs = load_catalogs()
        environments = {language: _environment(language, catalogs.get(language)) for language in LANGUAGES}
        return cls(services, catalogs, environments)

    # -- language -----------------------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        preference = security.read_cookie(request, LANGUAGE_COOKIE)
        return negotiate(request.headers.get("accept-language"), preference)

    def translations(self, request: Request) -> Translations:
        return self.catalogs.get(self.language(request))

    def gettext(self, request: Request, message: str) -> str:
        return self.translations(request).gettext(message)

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
        values: dict[str, Any] = {
            "lang": language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "current": current,
            "signed_in": current is not None and current.session.stage is Stage.SIGNED_IN,
            "csrf_token": current.session.csrf_token if current else "",
            "form_token": form_token or new_form_token,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "notice": notice,
            "error": error,
            **(context or {}),
        }
        html = self.environments[language].get_template(template).render(values)
        # Console pages show account data and, during enrolment, a seed: nothing is kept by caches (S21).
        headers = {"cache-control": "no-store", "content-language": language}
        response = HTMLResponse(html, status_code=status, headers=headers)
        if new_form_token:
            security.set_form_cookie(response, request, new_form_token)
        return response

    @staticmethod
    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def refuse(self, request: Request, message: str, status: int = 403) -> Halt:
        return Halt(self.render(request, "error.html", {"message": message}, status=status))

    def bad_request(self, request: Request) -> Halt:
        return self.refuse(request, self.gettext(request, N_("The form could not be read.")), status=400)

    # -- sessions -----------------------------------------------------------------------------------------

    def signed_in(self, request: Request) -> CurrentSession:
        """The signed-in session, or a redirect to sign-in (a half-signed-in session gets nothing else, S14)."""
        try:
            return self.services.signin.current(security.session_token(request))
        except SessionInvalid:
            raise Halt(self.redirect("/signin")) from None

    def half_signed_in(self, request: Request) -> CurrentSession:
        """The session that passed the password step and waits for its MFA code."""
        try:
            return self.services.signin.current(security.session_token(request), stage=Stage.NEEDS_MFA)
        except SessionInvalid:
            raise Halt(self.redirect("/signin")) from None

    def require_fresh(self, request: Request, current: CurrentSession, back_to: str) -> None:
        """S17: changes to MFA need a password (and code) proved within minutes; else confirm them first."""
        if not self.services.signin.is_fresh(current):
            raise Halt(self.redirect("/reauthenticate?next=" + quote(back_to, safe="/")))

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

    def page(self, handler: Page, *, answer_floor: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint running a synchronous page in the thread pool (database calls and Argon2 block).

        With answer_floor (pages that check a password or a code), a POST is answered no sooner than the
        settings' signin_answer_floor after it arrived (S13). The dummy Argon2 run for unknown users already
        evens out the bulk of the work; what is left (a failure's bookkeeping and audit event, a code's
        evaluation skipped for a throttled attempt) costs a millisecond or two that many samples would reveal.
        The wait is asynchronous: it holds no thread.
        """
        floor = self.services.settings.signin_answer_floor if answer_floor else 0.0

        async def endpoint(request: Request) -> Response:
            started = time.monotonic()
            response = await answer(request)
            if request.method == "POST" and floor > 0:
                remaining = floor - (time.monotonic() - started)
                if remaining > 0:
                    await anyio.sleep(remaining)
            return response

        async def answer(request: Request) -> Response:
            form = Form()
            if request.method == "POST":
                try:
                    await read_body(request, CONSOLE_BODY_LIMIT)  # refused before reading past the limit
                except BodyTooLarge as exc:
                    return PlainTextResponse(str(exc), status_code=413)
                try:
                    form = Form(await request.form(max_files=0, max_fields=50))
                except Exception:  # a malformed body is the client's error (S28)
                    return self.bad_request(request).response
            try:
                return await run_in_threadpool(handler, request, form)
            except Halt as halt:
                return halt.response
            except FieldTooLong:
                return self.bad_request(request).response

        return endpoint


def _environment(language: str, translations: Translations) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("twostep.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def when(timestamp: float | None) -> str:
        if timestamp is None:
            return ""
        moment = datetime.fromtimestamp(timestamp, UTC)
        return str(format_datetime(moment, "medium", tzinfo=UTC, locale=language)) + " UTC"

    environment.filters["when"] = when
    return environment
