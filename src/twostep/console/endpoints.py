"""How page handlers become a route: a GET handler and a POST handler for one path, each a plain synchronous
function of the Console and the request (and the submitted form), run in the thread pool (database calls and
Argon2 block). Halt and an over-long field end a page with their ready response."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from twostep.console.forms import FieldTooLong, Form
from twostep.console.pages import Console, Halt
from twostep.observability import record as records
from twostep.request_body import CONSOLE_BODY_LIMIT, BodyTooLarge, read_body

GetHandler = Callable[[Console, Request], Response]
PostHandler = Callable[[Console, Request, Form], Response]


def route(
    console: Console,
    path: str,
    *,
    get: GetHandler | None = None,
    post: PostHandler | None = None,
    answer_floor: bool = False,
) -> Route:
    """The route of `path`, answering GET (and HEAD) with `get` and POST with `post`.

    A request that is not a GET goes to `post` when the path has one (a HEAD there meets the form checks, with an
    empty form).

    With answer_floor (pages that check a password or a code), a POST is answered no sooner than the settings'
    signin_answer_floor after it arrived (S13). The dummy Argon2 run for unknown users already evens out the bulk
    of the work; what is left (a failure's bookkeeping and audit event, a code's evaluation skipped for a throttled
    attempt) costs a millisecond or two that many samples would reveal. The wait is asynchronous: it holds no
    thread.
    """
    methods = [*(["GET"] if get else []), *(["POST"] if post else [])]
    floor = console.services.settings.signin_answer_floor if answer_floor else 0.0

    def run(request: Request, form: Form) -> Response:
        if request.method == "GET" or post is None:
            assert get is not None
            return get(console, request)
        return post(console, request, form)

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
                return console.bad_request(request).response
        try:
            return await run_in_threadpool(run, request, form)
        except Halt as halt:
            return halt.response
        except FieldTooLong:
            return console.bad_request(request).response

    async def endpoint(request: Request) -> Response:
        started = time.monotonic()
        records.name_request("console", f"{request.method} {path}")  # the template: no token of the path itself
        response = await answer(request)
        if request.method == "POST" and floor > 0:
            remaining = floor - (time.monotonic() - started)
            if remaining > 0:
                await anyio.sleep(remaining)
        return response

    return Route(path, endpoint, methods=methods)
