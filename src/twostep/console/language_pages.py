"""The language switcher: a cookie that wins over Accept-Language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.console import security
from twostep.console.endpoints import route
from twostep.console.forms import Form
from twostep.console.i18n import LANGUAGES
from twostep.console.pages import LANGUAGE_COOKIE, Console, redirect

ONE_YEAR = 365 * 24 * 3600


def routes(console: Console) -> list[BaseRoute]:
    return [route(console, "/language", post=switch)]


def switch(console: Console, request: Request, form: Form) -> Response:
    # A pre-session form: the switcher is on every page, signed in or not.
    console.check_presession_form(request, form)
    language = form.text("language")
    response = redirect(security.local_path(form.text("next"), "/"))
    if language in LANGUAGES:
        response.set_cookie(
            security.cookie_name(request, LANGUAGE_COOKIE),
            language,
            max_age=ONE_YEAR,
            path="/",
            secure=security.is_https(request),
            httponly=True,
            samesite="lax",
        )
    return response
