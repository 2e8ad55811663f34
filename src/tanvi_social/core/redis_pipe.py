"""The cache's commands (GET, MGET, SET, DEL) over one pipelined Redis connection per process.

Every cached read of the service (a post card, a listing page, a home timeline's first page, the
session checks of each signed-in request) is one `MGET`. Through redis-py's asyncio client that
command costs 1.4–4.5× the CPU (connection pool, retry wrapper, command and response layers) it
costs when the command is packed and the reply parsed by hiredis on a plain asyncio protocol
(`bench/bench_redis_client.py`: the same MGET of six 300-byte values, same process, same Redis;
docs/benchmarks.md has the runs). For a cached card, whose whole cost is about three times a
bare request, that was the largest single item.

So the cache's four commands go through `PipelinedRedis`: hiredis (the C parser redis-py itself
uses when present) packs each command and parses the replies; one connection carries every
request's commands in order (Redis answers in the order it receives them), and each reply
resolves the oldest waiting future. Everything else — the admin's scans, pub/sub, rate limits,
timelines, jobs — stays on redis-py.

Failure handling: the caller bounds each call (`asyncio.timeout` in `RedisCache`); a call that
times out or is cancelled keeps its place in the queue, so its reply, when it comes, is consumed
and dropped and never given to the next caller. A lost connection fails every waiting call with
`ConnectionError`; the next call connects again. A connection whose oldest reply is overdue by
`STALL_S` is dropped the same way (a Redis that stopped answering does not pile up waiters).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, cast
from urllib.parse import unquote, urlparse

import hiredis

CONNECT_TIMEOUT_S = 0.5
STALL_S = 2.0  # a reply overdue this long: the connection is dropped and opened again


class RedisReplyError(Exception):
    """Redis answered a command with an error reply."""


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while True:
            try:
                reply = self.reader.gets()
            except hiredis.ProtocolError as exc:
                self.lost = exc
                assert self.transport is not None
                self.transport.abort()  # connection_lost fails every waiter
                return
            if reply is False:
                return
            future, _ = self.waiting.popleft()
            if future.done():  # its caller gave up (timeout, cancellation): dropped
                continue
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(RedisReplyError(str(reply)))
            else:
                future.set_result(reply)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.lost = exc or ConnectionError("Redis closed the connection")
        while self.waiting:
            future, _ = self.waiting.popleft()
            if not future.done():
                future.set_exception(ConnectionError("the Redis connection was lost"))

    def send(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        return self.send_many([args])[0]

    def send_many(self, commands: list[tuple[Any, ...]]) -> list[asyncio.Future[Any]]:
        assert self.transport is not None
        now = time.monotonic()
        if self.lost is not None:
            raise ConnectionError("the Redis connection was lost")
        if self.waiting and now - self.waiting[0][1] > STALL_S:
            self.lost = ConnectionError("Redis stopped answering")
            self.transport.abort()  # connection_lost fails every waiter
            raise ConnectionError("Redis stopped answering; reconnecting")
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Any]] = []
        for _ in commands:
            future: asyncio.Future[Any] = loop.create_future()
            self.waiting.append((future, now))
            futures.append(future)
        self.transport.write(b"".join(hiredis.pack_command(args) for args in commands))
        return futures


class PipelinedRedis:
    """GET and MGET for one Redis database, over one pipelined connection (see the module)."""

    def __init__(self, host: str, port: int, db: int = 0, *, username: str | None = None,
                 password: str | None = None) -> None:
        self.host, self.port, self.db = host, port, db
        self.username, self.password = username, password
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_url(cls, url: str) -> PipelinedRedis | None:
        """For a `redis://host:port/db` URL; None for any other kind (TLS, Unix sockets), whose
        reads then stay on redis-py."""
        parts = urlparse(url)
        if parts.scheme != "redis" or not parts.hostname:
            return None
        path = parts.path.strip("/")
        return cls(parts.hostname, parts.port or 6379, int(path) if path else 0,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)

    async def _connected(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a connection (and a lock) belong to the loop that made them
            self._protocol, self._connecting, self._loop = None, None, loop
        protocol = self._protocol
        if protocol is not None and protocol.lost is None:
            return protocol
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            protocol = self._protocol
            if protocol is not None and protocol.lost is None:
                return protocol
            opened: _Protocol | None = None
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    _, opened = await loop.create_connection(_Protocol, self.host, self.port)
                    if self.password is not None:
                        auth = (self.username, self.password) if self.username \
                            else (self.password,)
                        await opened.send(("AUTH", *auth))
                    if self.db:
                        await opened.send(("SELECT", self.db))
            except BaseException:
                if opened is not None and opened.transport is not None:
                    opened.transport.abort()
                raise
            self._protocol = opened
            return opened

    async def execute(self, *args: Any) -> Any:
        protocol = await self._connected()
        return await protocol.send(args)

    async def execute_many(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Several commands in one write (a pipeline without MULTI); their replies in order, an
        error reply as a `RedisReplyError` in its place."""
        if not commands:
            return []
        protocol = await self._connected()
        futures = protocol.send_many(commands)
        return list(await asyncio.gather(*futures, return_exceptions=True))

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self.execute("GET", key)
        return value

    async def mget(self, keys: list[str]) -> list[bytes | None]:
        values: list[bytes | None] = await self.execute("MGET", *keys)
        return values

    async def set(self, key: str, value: bytes, *, px: int) -> None:
        await self.execute("SET", key, value, "PX", px)

    async def delete(self, *keys: str) -> int:
        removed: int = await self.execute("DEL", *keys)
        return removed

    async def aclose(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.transport.close()


async def run_commands(platform: Any, commands: list[tuple[Any, ...]]) -> None:
    """Write-only commands (the replies are not needed, an error reply is raised) in one round
    trip: over the cache's pipelined connection when there is one, else a redis-py pipeline."""
    pipe = getattr(platform.cache, "pipe", None)
    if isinstance(pipe, PipelinedRedis):
        for result in await pipe.execute_many(commands):
            if isinstance(result, BaseException):
                raise result
        return
    batch = platform.redis.pipeline(transaction=False)
    for command in commands:
        batch.execute_command(*command)
    await batch.execute()
