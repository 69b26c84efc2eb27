"""The console's wiring: its routes and middleware, composed into the server by twostep.server."""

from __future__ import annotations

from importlib import resources

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from twostep.bootstrap import Services
from twostep.console import (
    alternative_factor_pages,
    credentials_pages,
    enrolment_pages,
    hardware_pages,
    language_pages,
    mfa_requirement_pages,
    passkey_pages,
    password_pages,
    recovery_code_pages,
    session_pages,
    signin_pages,
    user_credential_pages,
    user_delete_pages,
    user_detail_pages,
    user_policy_pages,
    users_pages,
)
from twostep.console.pages import Console
from twostep.console.security import SecurityHeadersMiddleware


def console_routes(services: Services) -> list[BaseRoute]:
    console = Console.create(services)
    static = StaticFiles(directory=str(resources.files("twostep.console").joinpath("static")))
    return [
        *signin_pages.routes(console),
        *session_pages.routes(console),
        *credentials_pages.routes(console),
        *password_pages.routes(console),
        *enrolment_pages.routes(console),
        *hardware_pages.routes(console),
        *passkey_pages.routes(console),
        *users_pages.routes(console),
        *user_detail_pages.routes(console),
        *user_credential_pages.routes(console),
        *user_policy_pages.routes(console),
        *user_delete_pages.routes(console),
        *language_pages.routes(console),
        *recovery_code_pages.routes(console),
        *alternative_factor_pages.routes(console),
        *mfa_requirement_pages.routes(console),
        Mount("/static", app=static, name="static"),
    ]


def console_middleware(services: Services) -> list[Middleware]:
    return [Middleware(SecurityHeadersMiddleware)]
