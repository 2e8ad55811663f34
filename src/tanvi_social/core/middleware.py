"""Pure ASGI middleware: request id, body-size limit, security headers, timing for the monitor."""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tanvi_social.core.errors import error_body
from tanvi_social.core.observability import Monitor

log = logging.getLogger("tanvi_social.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CSP = (b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'")


# A JSON `\u0000` escape (an odd run of backslashes before it): text with NUL cannot be stored
# (PostgreSQL refuses it) and is never legitimate user text: a JSON body carrying one is a 422.
NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# A request id is a random prefix of this process and a counter: unique, 32 hex digits like a
# UUID's, without a system call for 16 random bytes on every request (it is not a secret).
_ids: list[Any] = []


def _new_id_source() -> None:
    _ids[:] = [uuid.uuid4().hex[:20], itertools.count(1)]


_new_id_source()
os.register_at_fork(after_in_child=_new_id_source)  # a forked worker gets its own prefix


def new_request_id() -> str:
    prefix, counter = _ids
    return f"{prefix}{next(counter) % (1 << 48):012x}"


class BodyTooLarge(Exception):
    pass


class PlatformMiddleware:
    """Everything every request goes through, in one pass."""

    def __init__(self, app: ASGIApp, *, monitor: Monitor, max_json_bytes: int,
                 max_upload_bytes: int) -> None:
        self.app = app
        self.monitor = monitor
        self.max_json = max_json_bytes
        self.max_upload = max_upload_bytes + 64 * 1024  # multipart framing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        valid = 0 < len(incoming) <= 64 and incoming.isprintable()
        request_id = incoming if valid else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        content_type = headers.get(b"content-type", b"")
        limit = self.max_upload if content_type.startswith(b"multipart/") else self.max_json
        declared = headers.get(b"content-length")
        start = time.perf_counter()
        status_holder = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                raw = list(message.get("headers", []))
                raw.append((b"x-request-id", request_id.encode()))
                raw.extend(SECURITY_HEADERS)
                if not any(k.lower() == b"content-security-policy" for k, _ in raw):
                    raw.append((b"content-security-policy", CSP))
                message["headers"] = raw
            await send(message)

        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False
            if too_big:
                await _send_413(send_wrapper, request_id, limit)
                self._record(scope, 413, start)
                return

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        app_receive = receive_wrapper
        if b"json" in content_type and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            # JSON bodies are small (bounded above) and read whole by the app anyway: read them
            # here first, so a body the app must never see is refused before anything runs.
            chunks: list[bytes] = []
            try:
                while True:
                    message = await receive_wrapper()
                    if message["type"] != "http.request":
                        break
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
            except BodyTooLarge:
                await _send_413(send_wrapper, request_id, limit)
                self._record(scope, 413, start)
                return
            whole = b"".join(chunks)
            if b"u0000" in whole and NUL_ESCAPE.search(whole):
                await _send_error(send_wrapper, 422, error_body(
                    "Text must not contain NUL characters", "validation_error",
                    request_id=request_id, details=[{"loc": ["body"], "msg": "NUL character",
                                                     "type": "nul_character"}]))
                self._record(scope, 422, start)
                return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": whole, "more_body": False}
                return await receive()

            app_receive = replay

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_wrapper(message)

        try:
            await self.app(scope, app_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_413(send_wrapper, request_id, limit)
        except Exception:
            # The JSON 500 is answered here (not by Starlette's outermost handler) so it carries
            # the request id and security headers; the trace goes to the log, never to the client.
            log.exception("unhandled error", extra={"request_id": request_id,
                                                    "path": scope.get("path")})
            if not started:
                status_holder[0] = 500
                body = orjson.dumps(error_body("Internal server error", "internal_error",
                                               request_id=request_id))
                await send_wrapper({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"application/json"),
                                                (b"content-length", str(len(body)).encode())]})
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            self._record(scope, status_holder[0], start)

    def _record(self, scope: Scope, status: int, start: float) -> None:
        duration_ms = (time.perf_counter() - start) * 1000
        route = scope.get("route")
        template: str = getattr(route, "path", None) or "unmatched"
        self.monitor.record(scope["method"], template, status, duration_ms)


async def _send_error(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _send_413(send: Send, request_id: str, limit: int) -> None:
    body = orjson.dumps(error_body(f"Request body exceeds {limit} bytes", "payload_too_large",
                                   request_id=request_id))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def client_ip(scope_or_request: Any) -> str:
    client = getattr(scope_or_request, "client", None)
    return client.host if client else "unknown"
