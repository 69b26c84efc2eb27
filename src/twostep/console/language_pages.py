"""The language switcher: a cookie that wins over Accept-Language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import LANGUAGE_COOKIE, Console, Form, local_path
from twostep.console.i18n import LANGUAGES

ONE_YEAR = 365 * 24 * 3600


def routes(console: Console) -> list[BaseRoute]:
    def switch(request: Request, form: Form) -> Response:
        # A pre-session form: the switcher is on every page, signed in or not.
        console.check_presession_form(request, form)
        language = form.text("language")
        response = console.redirect(local_path(form.text("next"), "/"))
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

    return [Route("/language", console.page(switch), methods=["POST"])]
