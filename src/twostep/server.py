"""The HTTP application: the console and the AWS query API on one port, over one set of services."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from twostep import bootstrap
from twostep.audit.checkpoint_writer import CheckpointWriter, checkpoint_lifespan
from twostep.audit.checkpoints import CHECKPOINT_FILE
from twostep.audit.head_signature import HeadSigner
from twostep.awsapi.endpoint import api_routes
from twostep.console.app import console_middleware, console_routes
from twostep.forwarded import TrustedProxies
from twostep.notify.background import dispatcher_lifespan
from twostep.observability.logs import configure as configure_logs
from twostep.settings import Settings


def create_app(services: bootstrap.Services) -> Starlette:
    async def healthz(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    settings = services.settings
    # The API answers POST / and the console the rest; Starlette prefers the route whose method matches.
    routes: list[BaseRoute] = [Route("/healthz", healthz), *api_routes(services), *console_routes(services)]
    if settings.metrics:
        routes.insert(1, Route("/metrics", metrics_endpoint))
    middleware = console_middleware(services)
    if settings.observed:  # outermost: it times and records everything below it
        from twostep.observability.middleware import ObservingMiddleware

        metrics = _metrics() if settings.metrics or settings.metrics_port is not None else None
        middleware.insert(
            0, Middleware(ObservingMiddleware, metrics=metrics, log_requests=settings.log_format == "json")
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan(services))
    app.state.services = services
    app.state.trusted_proxies = TrustedProxies(services.settings.trusted_proxies)
    return app


def _metrics() -> Any:
    from twostep.observability.metrics import METRICS  # prometheus_client loads only when metrics are on

    return METRICS


async def metrics_endpoint(_request: Request) -> Response:
    from twostep.observability.metrics import CONTENT_TYPE, exposition

    return Response(exposition(), media_type=CONTENT_TYPE)


def _lifespan(services: bootstrap.Services) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """The server's background tasks: the audit checkpoints (S33), and notification mail (S17) when SMTP is set."""
    settings = services.settings
    writer = CheckpointWriter(
        settings.data_dir / CHECKPOINT_FILE, services.database.audit_heads, HeadSigner(services.keyring), services.clock
    )
    parts = [checkpoint_lifespan(writer, settings.audit_checkpoint_interval)]
    if services.notifications:
        parts.append(dispatcher_lifespan(services.notifications))

    @asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for part in parts:
                await stack.enter_async_context(part(app))
            yield

    return lifespan


def app_from_environment() -> Starlette:
    """uvicorn's factory for worker processes: settings travel in the environment."""
    settings = Settings.from_environment(Path(os.environ["TWOSTEP_DATA_DIR"]))
    configure_logs(settings.log_format)
    return create_app(bootstrap.build(settings))


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    os.environ["TWOSTEP_DATA_DIR"] = str(settings.data_dir)
    os.environ["TWOSTEP_METRICS"] = "on" if settings.metrics else "off"
    os.environ["TWOSTEP_LOG_FORMAT"] = settings.log_format
    if settings.metrics_port is not None:
        os.environ["TWOSTEP_METRICS_PORT"] = str(settings.metrics_port)
    configure_logs(settings.log_format)
    if workers > 1 and (settings.metrics or settings.metrics_port is not None):
        _share_metrics_between_workers()
    if settings.metrics_port is not None:  # in this process: the only one, or the workers' parent
        from prometheus_client import start_http_server

        from twostep.observability.metrics import collecting_registry

        start_http_server(settings.metrics_port, addr=host, registry=collecting_registry())
    if settings.database_url_override:
        os.environ["TWOSTEP_DATABASE_URL"] = settings.database_url_override
    os.environ["TWOSTEP_TRUSTED_PROXIES"] = " ".join(settings.trusted_proxies)
    os.environ["TWOSTEP_PUBLIC_URL"] = " ".join(settings.public_urls)
    os.environ["TWOSTEP_AUDIT_CHECKPOINT_INTERVAL"] = repr(settings.audit_checkpoint_interval)
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


def _share_metrics_between_workers() -> None:
    """prometheus_client's multiprocess mode: every worker writes its values to files in one directory, and
    /metrics (any worker's, or the parent's --metrics-port) adds them up. The directory must be empty at start
    and named before prometheus_client is first imported; an operator's PROMETHEUS_MULTIPROC_DIR is used (and
    emptied) when set, else a private temporary directory."""
    from twostep.observability.metrics_dir import prepare

    prepare()
