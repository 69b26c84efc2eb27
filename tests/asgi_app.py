"""The whole HTTP application in-process: the ASGI app `twostep serve` runs, over httpx's ASGI transport (no socket),
on a fresh database of the engine under test. Fast enough for fuzzing, and any base URL works: https included,
which the socket-based harness cannot offer without a TLS proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.databases import database_url, engine_under_test
from twostep import bootstrap
from twostep.crypto.keyring import KeyRing
from twostep.server import create_app
from twostep.settings import Settings
from twostep.store.database import Database

T = TypeVar("T")


@dataclass
class AsgiApp:
    services: bootstrap.Services
    client: httpx.AsyncClient  # keeps cookies like a browser
    loop: asyncio.AbstractEventLoop
    base_url: str

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Header values go out as the bytes a client may send (Latin-1), whatever the caller has."""
        raw = {name: value.encode("latin-1", "replace") for name, value in (headers or {}).items()}
        return self.run(self.client.request(method, path, headers=raw, **kwargs))


@contextmanager
def asgi_app(
    tmp: Path, *, base_url: str = "http://127.0.0.1:8000", client: tuple[str, int] = ("192.0.2.10", 50000)
) -> Iterator[AsgiApp]:
    """The app on the system clock (botocore signs with the real time), without the sign-in answer floor."""
    with database_url(engine_under_test(), tmp) as url:
        settings = Settings(data_dir=tmp, database_url_override=url, signin_answer_floor=0.0)
        with Database(settings.database_url) as database:
            database.upgrade()
        KeyRing.generate().save(settings.key_file)
        services = bootstrap.build(settings)
        loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=create_app(services), client=client)
        http = httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False)
        try:
            yield AsgiApp(services, http, loop, base_url)
        finally:
            loop.run_until_complete(http.aclose())
            loop.close()
            services.close()
