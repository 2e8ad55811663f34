from __future__ import annotations

import tracemalloc

import orjson
import redis.asyncio as redis_asyncio

from tanvi_social.core.cache import MemoryCache, RedisCache
from tanvi_social.core.ratelimit import MemoryRateLimiter, RedisRateLimiter


class TestMemoryCache:
    async def test_hit_miss_and_ttl(self) -> None:
        cache = MemoryCache()
        assert await cache.get("a") is None
        await cache.set("a", b"1", ttl=60)
        assert await cache.get("a") == b"1"
        await cache.set("b", b"2", ttl=-1)  # already expired
        assert await cache.get("b") is None
        assert (cache.stats.hits, cache.stats.misses) == (1, 2)

    async def test_memory_bound_evicts_least_recently_used(self) -> None:
        cache = MemoryCache(max_bytes=1000)  # each entry: 240 bytes of value + 2 of key
        for key in ("k1", "k2", "k3", "k4"):
            await cache.set(key, b"x" * 240, ttl=60)
        await cache.get("k1")  # k1 is now the most recently used
        await cache.set("k5", b"x" * 240, ttl=60)
        assert await cache.get("k2") is None
        assert await cache.get("k1") == b"x" * 240
        assert cache.stats.evictions == 1
        assert cache.describe()["bytes"] <= 1000

    async def test_clear_by_prefix(self) -> None:
        cache = MemoryCache()
        await cache.set("post:1", b"a", 60)
        await cache.set("post:2", b"b", 60)
        await cache.set("user:1", b"c", 60)
        assert await cache.clear("post:") == 2
        assert await cache.get("user:1") == b"c"


class TestMemoryRateLimiter:
    async def test_limit_then_refuse(self) -> None:
        limiter = MemoryRateLimiter()
        decisions = [await limiter.hit("k", limit=3, window=60) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert decisions[2].remaining == 0
        assert 1 <= decisions[3].reset_after <= 60
        assert decisions[3].headers()["X-RateLimit-Limit"] == "3"


class TestRedisBackends:
    async def test_redis_cache_round_trip(self, redis_url: str) -> None:
        client = redis_asyncio.from_url(redis_url)
        try:
            cache = RedisCache(client, namespace="t:cache:")
            await cache.set("p", b"v", ttl=30)
            assert await cache.get("p") == b"v"
            assert await cache.clear("p") == 1
            assert await cache.get("p") is None
            assert cache.stats.hits == 1
            assert await cache.ping() is True
        finally:
            await client.aclose()

    async def test_redis_limiter_is_shared_between_instances(self, redis_url: str) -> None:
        a_client = redis_asyncio.from_url(redis_url)
        b_client = redis_asyncio.from_url(redis_url)
        try:
            a, b = RedisRateLimiter(a_client, "t:rl:"), RedisRateLimiter(b_client, "t:rl:")
            await a.hit("shared", limit=2, window=60)
            await b.hit("shared", limit=2, window=60)
            third = await a.hit("shared", limit=2, window=60)
            assert third.allowed is False
        finally:
            await a_client.aclose()
            await b_client.aclose()

    async def test_unreachable_redis_degrades_to_misses(self) -> None:
        client = redis_asyncio.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        try:
            cache = RedisCache(client)
            assert await cache.get("x") is None
            await cache.set("x", b"1", 10)
            assert await cache.ping() is False
            assert cache.stats.errors >= 2
            limiter = RedisRateLimiter(client)
            assert (await limiter.hit("x", 1, 60)).allowed is True
        finally:
            await client.aclose()


class TestSlidingWindow:
    async def test_window_slides_instead_of_resetting_on_the_clock(self, monkeypatch) -> None:
        """10 hits spread across a clock-minute boundary still block the 11th."""
        import tanvi_social.core.ratelimit as rl

        now = [1_000_000_055.0]  # 55 s into a clock minute
        monkeypatch.setattr(rl.time, "time", lambda: now[0])
        limiter = MemoryRateLimiter()
        for _ in range(10):
            assert (await limiter.hit("k", limit=10, window=60)).allowed
            now[0] += 1.0  # the hits cross the minute boundary at 60 s
        refused = await limiter.hit("k", limit=10, window=60)
        assert refused.allowed is False
        assert refused.reset_after == 50  # the first hit leaves the window 60 s after it was made
        now[0] += 50.0
        assert (await limiter.hit("k", limit=10, window=60)).allowed

    async def test_redis_sliding_window(self, redis_url: str) -> None:
        client = redis_asyncio.from_url(redis_url)
        try:
            limiter = RedisRateLimiter(client, "t:sw:")
            results = [(await limiter.hit("k", limit=3, window=60)).allowed for _ in range(5)]
            assert results == [True, True, True, False, False]
            peek = await limiter.peek("k", limit=3, window=60)
            assert peek.allowed is False
            assert peek.remaining == 0
            await limiter.reset("k")
            assert (await limiter.hit("k", limit=3, window=60)).allowed
        finally:
            await client.aclose()


def test_memory_cache_keeps_each_value_at_its_length() -> None:
    """orjson.dumps returns its bytes in a buffer many times their length: the cache keeps a
    copy of exactly the length its memory bound counts (4.3 KB per entry here without it)."""
    cache = MemoryCache()
    payload = {"caption": "x" * 500, "hashtags": ["ootd", "linen"]}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(200):
            cache.set_now(f"card:{i}", orjson.dumps(payload), 60)
        per_entry = (tracemalloc.get_traced_memory()[0] - before) / 200
    finally:
        tracemalloc.stop()
    assert per_entry < 2_000, per_entry
    assert cache.get_now("card:7") == orjson.dumps(payload)
