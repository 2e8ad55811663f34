"""A push service stub on loopback and a browser's push keys, shared by the Web Push tests.

The stub stands in for the browser vendor's push service (which these machines cannot reach):
the server sends real VAPID-signed, aes128gcm-encrypted pushes to it, and a test decrypts them
with the keys `Browser` made, exactly as the browser would.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import http_ece
import orjson
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PushStub:
    """A push service: POST /push/<status>/<name> answers <status> and records the request."""

    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)

    def endpoint(self, name: str, status: int = 201) -> str:
        return f"http://127.0.0.1:{self.port}/push/{status}/{name}"

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append({"name": request.match_info["name"], "headers": dict(request.headers),
                              "body": await request.read()})
        return web.Response(status=int(request.match_info["status"]))


@contextlib.asynccontextmanager
async def running_push_stub() -> AsyncIterator[PushStub]:
    stub = PushStub()
    app = web.Application()
    app.router.add_post("/push/{status}/{name}", stub.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stub.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield stub
    finally:
        await runner.cleanup()


@dataclass
class Browser:
    """A browser's push keys (what PushManager.subscribe() creates)."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str, types: list[str] | None = None) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        body: dict[str, Any] = {"endpoint": endpoint, "expirationTime": None,
                                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}
        if types is not None:
            body["types"] = types
        return body

    def decrypt(self, body: bytes) -> dict[str, Any]:
        return orjson.loads(http_ece.decrypt(body, private_key=self.private_key,
                                             auth_secret=self.auth, version="aes128gcm"))
