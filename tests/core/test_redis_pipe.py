"""The cache's pipelined read connection (core/redis_pipe.py) against the machine's Redis:
replies reach the right caller under concurrency, after cancellations and errors; a lost or
silent connection fails its callers and the next call connects again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis_asyncio

from tanvi_social.core import redis_pipe
from tanvi_social.core.cache import RedisCache
from tanvi_social.core.redis_pipe import PipelinedRedis, RedisReplyError, run_commands

pytestmark = pytest.mark.redis


@pytest.fixture
async def pair(redis_url: str) -> AsyncIterator[tuple[PipelinedRedis, redis_asyncio.Redis]]:
    fast = PipelinedRedis.from_url(redis_url)
    assert fast is not None
    client = redis_asyncio.from_url(redis_url)
    yield fast, client
    await client.delete(*[f"t:pipe:{i}" for i in range(300)], "t:pipe:list")
    await fast.aclose()
    await client.aclose()


async def test_get_and_mget_read_what_redis_py_wrote(pair: tuple) -> None:
    fast, client = pair
    await client.set("t:pipe:1", b"\x00binary\xff")
    await client.set("t:pipe:2", "é" * 1000)
    assert await fast.get("t:pipe:1") == b"\x00binary\xff"
    assert await fast.mget(["t:pipe:2", "t:pipe:missing", "t:pipe:1"]) == [
        ("é" * 1000).encode(), None, b"\x00binary\xff"]
    assert await fast.get("t:pipe:missing") is None


async def test_set_with_expiry_and_delete(pair: tuple) -> None:
    fast, client = pair
    await fast.set("t:pipe:1", b"\x00v\xff", px=60_000)
    assert await client.get("t:pipe:1") == b"\x00v\xff"
    assert 0 < await client.pttl("t:pipe:1") <= 60_000
    assert await fast.delete("t:pipe:1", "t:pipe:missing") == 1
    assert await client.exists("t:pipe:1") == 0


async def test_many_commands_in_one_write_reply_in_order(pair: tuple) -> None:
    fast, client = pair
    await client.rpush("t:pipe:list", "a")
    replies = await fast.execute_many([("SET", "t:pipe:1", "one"), ("GET", "t:pipe:list"),
                                       ("ZADD", "t:pipe:2", "GT", 1.5, "m"),
                                       ("GET", "t:pipe:1")])
    assert replies[0] == b"OK"
    assert isinstance(replies[1], RedisReplyError)  # in its place, the others unaffected
    assert replies[2:] == [1, b"one"]
    assert await fast.execute_many([]) == []


class _Platform:
    def __init__(self, cache: RedisCache, redis: redis_asyncio.Redis) -> None:
        self.cache, self.redis = cache, redis


async def test_run_commands_raises_an_error_reply_on_either_path(pair: tuple) -> None:
    fast, client = pair
    await client.rpush("t:pipe:list", "a")
    for cache in (RedisCache(client, pipe=fast), RedisCache(client)):  # hiredis, redis-py
        platform = _Platform(cache, client)
        await run_commands(platform, [("ZADD", "t:pipe:2", "GT", 2, "m")])
        assert await client.zscore("t:pipe:2", "m") == 2
        with pytest.raises((RedisReplyError, redis_asyncio.ResponseError)):
            await run_commands(platform, [("ZADD", "t:pipe:list", "GT", 3, "m")])
        await client.delete("t:pipe:2")


async def test_the_url_selects_the_database(redis_url: str) -> None:
    db = int(redis_url.rsplit("/", 1)[1])
    other = redis_url.rsplit("/", 1)[0] + f"/{db - 2}"
    client = redis_asyncio.from_url(other)
    fast = PipelinedRedis.from_url(redis_url)
    assert fast is not None
    try:
        await client.set("t:pipe:elsewhere", b"other db")
        assert await fast.get("t:pipe:elsewhere") is None
    finally:
        await client.delete("t:pipe:elsewhere")
        await client.aclose()
        await fast.aclose()
    assert PipelinedRedis.from_url("rediss://127.0.0.1:6380/0") is None  # TLS: redis-py reads
    assert PipelinedRedis.from_url("unix:///run/redis.sock") is None


async def test_concurrent_calls_each_get_their_own_reply(pair: tuple) -> None:
    fast, client = pair
    await client.mset({f"t:pipe:{i}": f"v{i}" for i in range(300)})
    got = await asyncio.gather(*(fast.get(f"t:pipe:{i}") for i in range(300)))
    assert got == [f"v{i}".encode() for i in range(300)]


async def test_a_cancelled_call_does_not_shift_the_replies(pair: tuple) -> None:
    fast, client = pair
    await client.mset({f"t:pipe:{i}": f"v{i}" for i in range(10)})
    calls = [asyncio.ensure_future(fast.get(f"t:pipe:{i}")) for i in range(10)]
    await asyncio.sleep(0)  # every command is on the wire
    calls[3].cancel()
    calls[7].cancel()
    results = await asyncio.gather(*calls, return_exceptions=True)
    for i, result in enumerate(results):
        if i in (3, 7):
            assert isinstance(result, asyncio.CancelledError)
        else:
            assert result == f"v{i}".encode()
    assert await fast.get("t:pipe:5") == b"v5"


async def test_an_error_reply_is_raised_and_the_next_call_is_fine(pair: tuple) -> None:
    fast, client = pair
    await client.rpush("t:pipe:list", "a")
    with pytest.raises(RedisReplyError, match="WRONGTYPE"):
        await fast.get("t:pipe:list")
    await client.set("t:pipe:1", b"ok")
    assert await fast.get("t:pipe:1") == b"ok"


async def test_a_killed_connection_fails_its_callers_then_reconnects(pair: tuple) -> None:
    fast, client = pair
    await client.set("t:pipe:1", b"one")
    assert await fast.get("t:pipe:1") == b"one"
    clients = await client.client_list()
    mine = [c for c in clients if c.get("cmd") in ("get", "mget")
            and int(c.get("db", -1)) == fast.db]
    assert mine
    for c in mine:
        await client.client_kill_filter(_id=c["id"])
    for _ in range(50):  # the loss reaches the protocol on the next loop turns
        protocol = fast._protocol
        if protocol is None or protocol.lost is not None:
            break
        await asyncio.sleep(0.01)
    assert await fast.get("t:pipe:1") == b"one"  # a new connection


async def test_a_silent_redis_fails_calls_and_the_connection_is_replaced(
        pair: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, client = pair
    await client.set("t:pipe:1", b"one")
    assert await fast.get("t:pipe:1") == b"one"
    monkeypatch.setattr(redis_pipe, "STALL_S", 0.05)
    pause = asyncio.ensure_future(client.execute_command("CLIENT", "PAUSE", "300", "ALL"))
    await pause
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await fast.get("t:pipe:1")  # no answer while Redis is paused
    await asyncio.sleep(0.06)
    with pytest.raises(ConnectionError):
        await fast.get("t:pipe:1")  # the oldest reply is overdue: the connection is dropped
    await asyncio.sleep(0.35)  # the pause is over
    assert await fast.get("t:pipe:1") == b"one"


async def test_unreachable_redis_is_a_connection_error_soon(
        caplog: pytest.LogCaptureFixture) -> None:
    fast = PipelinedRedis("127.0.0.1", 1, 0)
    with pytest.raises(ConnectionRefusedError):
        async with asyncio.timeout(2):
            await fast.get("x")
    cache = RedisCache(redis_asyncio.from_url("redis://127.0.0.1:1/0",
                                              socket_connect_timeout=0.2), pipe=fast)
    try:
        with caplog.at_level(logging.WARNING, logger="tanvi_social.core.cache"):
            assert await cache.get_many("a", "b") == [None, None]  # degraded to misses
            assert await cache.get("a") is None
        assert cache.healthy is False
        warnings = [r.getMessage() for r in caplog.records if r.name == "tanvi_social.core.cache"]
        assert len(warnings) == 1  # once per outage, with its cause
        assert "ConnectionRefusedError" in warnings[0]
    finally:
        await cache.client.aclose()


async def test_the_cache_reads_through_it(redis_url: str) -> None:
    fast = PipelinedRedis.from_url(redis_url)
    client = redis_asyncio.from_url(redis_url)
    cache = RedisCache(client, namespace="t:cache:", pipe=fast)
    try:
        await cache.set("p", b"v", ttl=30)
        assert await cache.get("p") == b"v"
        assert await cache.get_many("p", "q") == [b"v", None]
        assert fast._protocol is not None  # the reads took the pipelined connection
        assert await cache.clear("p") == 1
    finally:
        await fast.aclose()
        await client.aclose()


def test_it_runs_on_uvloop_as_the_server_does(redis_url: str) -> None:
    """`tanvi-social serve` runs uvicorn on uvloop, whose transports do not subclass asyncio's."""
    import uvloop

    async def main() -> list[bytes | None]:
        fast = PipelinedRedis.from_url(redis_url)
        client = redis_asyncio.from_url(redis_url)
        assert fast is not None
        try:
            await client.set("t:pipe:uv", b"on uvloop")
            return await fast.mget(["t:pipe:uv", "t:pipe:missing"])
        finally:
            await client.delete("t:pipe:uv")
            await fast.aclose()
            await client.aclose()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(main()) == [b"on uvloop", None]


def test_a_new_event_loop_gets_its_own_connection(redis_url: str) -> None:
    """A connection belongs to the loop that opened it: used from another loop (a process that
    runs several loops one after the other) the client opens a new one instead of writing on a
    transport whose loop is gone."""
    fast = PipelinedRedis.from_url(redis_url)
    assert fast is not None

    async def read() -> tuple[bytes | None, object]:
        client = redis_asyncio.from_url(redis_url)
        try:
            await client.set("t:pipe:loops", b"same value")
            return await fast.get("t:pipe:loops"), fast._protocol
        finally:
            await client.delete("t:pipe:loops")
            await client.aclose()

    first_value, first = asyncio.run(read())
    second_value, second = asyncio.run(read())
    assert first_value == second_value == b"same value"
    assert first is not second
