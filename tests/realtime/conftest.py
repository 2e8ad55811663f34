"""A real uvicorn server on a loopback port for the stream tests, and a small SSE reader.

Streams cannot go through httpx's ASGI transport (it buffers whole bodies), so these tests talk
HTTP to uvicorn serving the same app object, in the test's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import uvicorn


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False,
                                ws="websockets-sansio", backlog=4096, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server._serve(sockets=[self.sock]))
        for _ in range(200):
            if self.server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("uvicorn did not start")

    async def stop(self) -> None:
        self.app.state.platform.extras["realtime"].hub.close_all()
        self.server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)
        self.sock.close()


async def serve(app: Any) -> LiveServer:
    server = LiveServer(app)
    await server.start()
    return server


@pytest.fixture
async def live(harness: Any) -> AsyncIterator[LiveServer]:
    server = await serve(harness.app)
    yield server
    await server.stop()


@pytest.fixture
def realtime(platform: Any) -> Any:
    rt = platform.extras["realtime"]
    rt.hub.close_all()
    rt.hub.buffers.clear()
    yield rt
    rt.heartbeat_seconds = 15.0
    rt.hub.queue_size = 256


@dataclass
class SSEEvent:
    event: str = "message"
    data: Any = None
    id: int | None = None


@dataclass
class SSEClient:
    """Reads events (and ping comments) from an open `text/event-stream` response."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    _lines: Any = None

    async def next(self, timeout: float = 3.0, *, skip_ready: bool = True) -> SSEEvent:
        return await asyncio.wait_for(self._next(skip_ready), timeout)

    async def _next(self, skip_ready: bool) -> SSEEvent:
        if self._lines is None:
            self._lines = self.response.aiter_lines()
        current = SSEEvent()
        has_field = False
        async for line in self._lines:
            if line == "":
                if has_field and current.data is not None:
                    if skip_ready and current.event == "stream.ready":
                        current, has_field = SSEEvent(), False
                        continue
                    return current
                current, has_field = SSEEvent(), False
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            has_field = True
            if name == "event":
                current.event = value
            elif name == "data":
                current.data = orjson.loads(value)
            elif name == "id":
                current.id = int(value)
        raise EOFError("stream ended")


@contextlib.asynccontextmanager
async def sse(base_url: str, *, headers: dict[str, str] | None = None,
              params: dict[str, Any] | None = None) -> AsyncIterator[SSEClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10.0, read=None)) as c, \
            c.stream("GET", "/api/social/notifications/stream", headers=headers or {},
                     params=params or {}) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        yield SSEClient(response)  # registered in the hub once the headers are here
