"""Running the dispatcher beside the web server: an asyncio task, polling, for the server's lifetime.

No web framework is imported here: the lifespan below is the plain async context manager Starlette (and any ASGI
lifespan) accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from twostep.notify.dispatcher import NotificationDispatcher

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0


async def poll_forever(dispatcher: NotificationDispatcher, interval: float = POLL_SECONDS) -> None:
    while True:
        try:
            # The outbox and smtplib block: keep them off the event loop that serves requests.
            await asyncio.to_thread(dispatcher.run_once)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end notification for the server's lifetime
            log.exception("notification dispatch failed; trying again")
        await asyncio.sleep(interval)


def dispatcher_lifespan(
    dispatcher: NotificationDispatcher, interval: float = POLL_SECONDS
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        task = asyncio.create_task(poll_forever(dispatcher, interval), name="twostep-notifications")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
