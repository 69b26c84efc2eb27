"""POST / : the AWS query protocol for IAM and STS, one endpoint, routed by the SigV4 credential scope.

Per request: SigV4 claim -> caller's credentials -> signature check -> parameters parsed and validated
against botocore's model -> the operation's handler -> XML. Every failure becomes an AWS error document.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.awsapi.context import CallContext, Caller, Handler
from twostep.awsapi.credentials import CredentialResolver
from twostep.awsapi.operations import HANDLERS
from twostep.awsapi.protocol.errors import ApiError, invalid_action, service_error
from twostep.awsapi.protocol.malformed_codes import count_malformed_codes
from twostep.awsapi.protocol.model import ServiceModel, load_service_model
from twostep.awsapi.protocol.query import parse_parameters
from twostep.awsapi.protocol.validation import validate_parameters
from twostep.awsapi.protocol.xmlwire import serialize_error, serialize_result
from twostep.awsapi.sigv4.verifier import HttpRequest, SigV4Error, parse_claim, verify_signature
from twostep.bootstrap import Services
from twostep.client_address import client_origin
from twostep.observability import record as records
from twostep.request_body import API_BODY_LIMIT, BodyTooLarge, read_body

log = logging.getLogger("twostep.awsapi")
XML = "text/xml"
# Requests handled at once on PostgreSQL. More threads than this only fight over the GIL (measured in
# docs/performance.md): the work is mostly Python, and each thread holds row locks while it waits for the GIL.
DATABASE_THREADS = 4


class AwsQueryApi:
    def __init__(self, services: Services, handlers: dict[tuple[str, str], Handler] | None = None) -> None:
        self._services = services
        self._handlers = HANDLERS if handlers is None else handlers
        self._credentials = CredentialResolver(services)
        self._models = {name: load_service_model(name) for name in ("iam", "sts")}
        # Where requests are handled. SQLite answers from local files in microseconds and lets one writer in at a
        # time, so the event loop's own thread does the API's work, one request after the other: handing each to
        # another thread cost more than the work (a thread hop and GIL hand-offs per request; measured in
        # docs/performance.md), and threads waiting for the one writer only fought over the GIL. The loop is then
        # busy for the length of a request (about a millisecond), or of a wait for another process's write.
        # PostgreSQL is a network round trip per statement: a few threads overlap those waits.
        sqlite = services.database.dialect == "sqlite"
        self._executor = None if sqlite else ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="twostep-api")

    async def respond(self, request: Request) -> Response:
        record = records.current()  # None unless metrics or JSON logs are on (observability/)
        request_id = record.request_id if record is not None else str(uuid.uuid4())
        if record is not None:
            record.kind = "api"
        try:
            body = await read_body(request, API_BODY_LIMIT)
        except BodyTooLarge as exc:
            too_large = ApiError("ValidationError", f"Request body is too large: at most {exc.limit} bytes.", 413)
            return self._answer(413, serialize_error(self._models["iam"], too_large, request_id), request_id)
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        http_request = HttpRequest(
            method=request.method,
            raw_path=raw_path.decode("latin-1"),
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
            body=body,
        )
        origin = client_origin(request)
        source_ip, secure = origin.address, origin.secure
        if record is not None:
            record.client = source_ip
        if self._executor is None:
            status, payload = self.handle(http_request, source_ip, secure, request_id)
        else:
            loop = asyncio.get_running_loop()
            handle: Any = self.handle
            if record is not None:  # the thread fills in the same record
                context: Any = contextvars.copy_context()
                handle = functools.partial(context.run, self.handle)
            status, payload = await loop.run_in_executor(
                self._executor, handle, http_request, source_ip, secure, request_id
            )
        return self._answer(status, payload, request_id)

    @staticmethod
    def _answer(status: int, payload: bytes, request_id: str) -> Response:
        # AWS sends the request id in a header too; the AWS SDK for JavaScript v3 reads it only from there.
        return Response(payload, status_code=status, media_type=XML, headers={"x-amzn-RequestId": request_id})

    def handle(self, request: HttpRequest, source_ip: str | None, secure: bool, request_id: str) -> tuple[int, bytes]:
        model = self._models["iam"]
        try:
            claim = parse_claim(request)
            model = self._models.get(claim.service) or model
            if claim.service not in self._models:
                raise ApiError("InvalidAction", f"twostep does not serve the service {claim.service!r}.", 400)
            now = self._services.clock.now()
            caller, secret = self._credentials.resolve(claim, now)
            verify_signature(request, claim, secret, now)
            form = parse_qsl(request.body.decode("utf-8", "strict"), keep_blank_values=True)
            form += parse_qsl(request.raw_query, keep_blank_values=True)
            result = self._dispatch(model, claim.service, form, caller, request_id, source_ip, secure, now)
            records.set_outcome("ok")
            return 200, serialize_result(model, result[0], result[1], request_id)
        except SigV4Error as exc:
            records.set_outcome(exc.code)
            return exc.status, serialize_error(model, ApiError(exc.code, exc.message, exc.status), request_id)
        except ApiError as exc:
            records.set_outcome(exc.code)
            return exc.status, serialize_error(model, exc, request_id)
        except UnicodeDecodeError:
            records.set_outcome("MalformedQueryString")
            error = ApiError("MalformedQueryString", "The request body is not valid UTF-8.", 400)
            return 400, serialize_error(model, error, request_id)
        except Exception:
            log.exception("request %s failed", request_id)
            records.set_outcome("ServiceFailure")
            error = service_error(model, "ServiceFailure", "Request processing has failed due to an internal error.")
            return 500, serialize_error(model, error, request_id)

    def _dispatch(
        self,
        model: ServiceModel,
        service: str,
        form: list[tuple[str, str]],
        caller: Caller,
        request_id: str,
        source_ip: str | None,
        secure: bool,
        now: float,
    ) -> tuple[str, dict[str, Any] | None]:
        actions = [value for key, value in form if key == "Action"]
        if not actions:
            raise ApiError("MissingAction", "Missing Action", 400)
        action = actions[0]
        handler = self._handlers.get((service, action))
        if handler is None or not model.has_operation(action):
            raise invalid_action(model, action)
        records.name_request("api", f"{service}:{action}")
        params = parse_parameters(model, action, form)
        context = CallContext(self._services, caller, service, action, request_id, source_ip, secure, now)
        try:
            validate_parameters(model, action, params)
        except ApiError:
            # S5: a malformed code still counts against its device; the answer stays AWS's ValidationError.
            count_malformed_codes(model, context, params, handler, self._credentials.check_allowed)
            raise
        self._credentials.check_allowed(context, params)
        return action, handler(context, params)


def api_routes(services: Services) -> list[BaseRoute]:
    return [Route("/", AwsQueryApi(services).respond, methods=["POST"])]
