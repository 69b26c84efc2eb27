"""The HTTP application: the console and the AWS query API on one port, over one set of services."""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from twostep import bootstrap
from twostep.awsapi.endpoint import api_routes
from twostep.console.app import console_middleware, console_routes
from twostep.forwarded import TrustedProxies
from twostep.notify.background import dispatcher_lifespan
from twostep.settings import Settings


def create_app(services: bootstrap.Services) -> Starlette:
    async def healthz(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    # The API answers POST / and the console the rest; Starlette prefers the route whose method matches.
    routes: list[BaseRoute] = [Route("/healthz", healthz), *api_routes(services), *console_routes(services)]
    # Notification mail (S17) is dispatched by a background task for the server's lifetime, when SMTP is set.
    lifespan = dispatcher_lifespan(services.notifications) if services.notifications else None
    app = Starlette(routes=routes, middleware=console_middleware(services), lifespan=lifespan)
    app.state.services = services
    app.state.trusted_proxies = TrustedProxies(services.settings.trusted_proxies)
    return app


def app_from_environment() -> Starlette:
    """uvicorn's factory for worker processes: settings travel in the environment."""
    settings = Settings.from_environment(Path(os.environ["TWOSTEP_DATA_DIR"]))
    return create_app(bootstrap.build(settings))


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    os.environ["TWOSTEP_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url_override:
        os.environ["TWOSTEP_DATABASE_URL"] = settings.database_url_override
    os.environ["TWOSTEP_TRUSTED_PROXIES"] = " ".join(settings.trusted_proxies)
    os.environ["TWOSTEP_PUBLIC_URL"] = " ".join(settings.public_urls)
    if settings.rp_id:
        os.environ["TWOSTEP_RP_ID"] = settings.rp_id
    # uvicorn's own proxy-header handling is off: it would believe X-Forwarded-For from 127.0.0.1 by default.
    # twostep reads forwarded headers itself, from the proxies the operator named (forwarded.py).
    if workers > 1:
        uvicorn.run(
            "twostep.server:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
        )
    else:
        app = create_app(bootstrap.build(settings))
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False)
