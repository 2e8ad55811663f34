"""`Idempotency-Key` on creates: a repeated POST with the same key returns the first result.

Scope: the key is combined with the caller's Authorization header and the path, so two users (or two
endpoints) never share a key. The first successful (2xx) response is kept in the cache for 24 hours.
A repeat that arrives while the first is still running waits for it (per-process lock; across
workers the shared Redis cache answers once the first has finished).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 128


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key")
        if not key or len(key) > MAX_KEY_LENGTH:
            await self.app(scope, receive, send)
            return
        platform: Any = getattr(scope["app"].state, "platform", None)
        if platform is None:
            await self.app(scope, receive, send)
            return
        digest = hashlib.sha256(
            b"|".join([headers.get(b"authorization", b""), key, scope["path"].encode()])
        ).hexdigest()
        cache_key = f"idem:{digest}"
        lock = self._locks.setdefault(cache_key, asyncio.Lock())
        try:
            async with lock:
                await self._once(platform, cache_key, scope, receive, send)
        finally:
            if not lock.locked():  # nobody else is waiting on this key
                self._locks.pop(cache_key, None)


    async def _once(self, platform: Any, cache_key: str, scope: Scope, receive: Receive,
                    send: Send) -> None:
        cached = await platform.cache.get(cache_key)
        if cached is not None:
            await _replay(send, orjson.loads(cached))
            return
        captured: dict[str, Any] = {"status": 0, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [(k.decode("latin-1"), v.decode("latin-1"))
                                       for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, capture)
        if 200 <= captured["status"] < 300:
            record = {"status": captured["status"], "headers": captured["headers"],
                      "body": captured["body"].decode("utf-8", "replace")}
            await platform.cache.set(cache_key, orjson.dumps(record), TTL_SECONDS)


async def _replay(send: Send, record: dict[str, Any]) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record["headers"]
               if k.lower() not in ("x-request-id",)]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": record["status"], "headers": headers})
    await send({"type": "http.response.body", "body": record["body"].encode()})
