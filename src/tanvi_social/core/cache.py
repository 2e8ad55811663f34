"""One cache interface: an in-process LRU with TTL and a memory bound, or Redis at scale.

Values are bytes (serialised JSON): what is cached is what is sent. Hit, miss and eviction
counters feed `/api/performance/cache/stats`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)
TIMEOUT_S = 0.5  # a Redis call that takes longer counts as a miss / a failed write
CLEAR_TIMEOUT_S = 30.0  # POST /cache/clear: a scan of the namespace, bounded as a whole


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    sets: int = 0
    deletes: int = 0
    errors: int = 0

    families: dict[str, list[int]] = field(default_factory=dict)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return round(self.hits / total, 4) if total else 0.0

    def record(self, key: str, hit: bool) -> None:
        """Count a hit or a miss, in total and for the key's family (`post`, `user`, ...)."""
        if hit:
            self.hits += 1
        else:
            self.misses += 1
        family = key.split(":", 1)[0]
        counts = self.families.get(family)
        if counts is None:
            if len(self.families) >= 64:
                return
            counts = self.families[family] = [0, 0]
        counts[0 if hit else 1] += 1

    def reset(self) -> None:
        self.hits = self.misses = self.evictions = self.sets = self.deletes = self.errors = 0
        self.families.clear()


class Cache(Protocol):
    stats: CacheStats
    backend: str

    async def get(self, key: str) -> bytes | None: ...
    async def get_many(self, *keys: str) -> list[bytes | None]: ...
    async def set(self, key: str, value: bytes, ttl: float) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def clear(self, prefix: str = "") -> int: ...
    async def ping(self) -> bool: ...
    def describe(self) -> dict[str, Any]: ...


class MemoryCache:
    """LRU with per-entry TTL, bounded by total bytes."""

    backend = "memory"

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self.stats = CacheStats()

    async def get(self, key: str) -> bytes | None:
        return self.get_now(key)

    def get_now(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            self.stats.record(key, False)
            return None
        expires, value = item
        if expires < time.monotonic():
            self._remove(key)
            self.stats.record(key, False)
            return None
        self._data.move_to_end(key)
        self.stats.record(key, True)
        return value

    async def get_many(self, *keys: str) -> list[bytes | None]:
        return [self.get_now(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self.set_now(key, value, ttl)

    def set_now(self, key: str, value: bytes, ttl: float) -> None:
        if len(value) > self.max_bytes // 4:
            return
        if key in self._data:
            self._remove(key)
        # a copy of exactly its length: `orjson.dumps` (3.13) returns bytes in a buffer many
        # times their length (a 1.2 KB post card held 16 KB, a 0.5 KB value 4 KB), so keeping
        # its result kept that much per entry while the bound below counted the length
        value = bytes(memoryview(value))
        self._data[key] = (time.monotonic() + ttl, value)
        self._size += len(value) + len(key)
        self.stats.sets += 1
        while self._size > self.max_bytes and self._data:
            oldest = next(iter(self._data))
            self._remove(oldest)
            self.stats.evictions += 1

    def _remove(self, key: str) -> None:
        _, value = self._data.pop(key)
        self._size -= len(value) + len(key)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            if key in self._data:
                self._remove(key)
                self.stats.deletes += 1

    async def clear(self, prefix: str = "") -> int:
        doomed = [k for k in self._data if k.startswith(prefix)]
        for key in doomed:
            self._remove(key)
        return len(doomed)

    async def ping(self) -> bool:
        return True

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "entries": len(self._data), "bytes": self._size,
                "max_bytes": self.max_bytes}


class RedisCache:
    """Shared by every worker. A Redis failure degrades to a miss; it never fails a request.

    Each call is bounded by TIMEOUT_S with `asyncio.timeout` (no extra task per call, unlike
    `wait_for` before Python 3.12: a cache hit is a hot path)."""

    backend = "redis"

    def __init__(self, client: Any, namespace: str = "tanvi:cache:", *,
                 pipe: Any = None) -> None:
        """`pipe`: a `core.redis_pipe.PipelinedRedis` on the same database for GET, MGET, SET
        and DEL (every call of a request); without it those go through `client` (redis-py),
        which serves the rest (the admin's scan for `clear`, INFO, PING) either way."""
        self.client = client
        self.pipe = pipe if pipe is not None else client
        self.ns = namespace
        self.stats = CacheStats()
        self.healthy = True

    async def get(self, key: str) -> bytes | None:
        try:
            async with asyncio.timeout(TIMEOUT_S):
                value = await self.pipe.get(self.ns + key)
            self.healthy = True
        except Exception as exc:
            self._failed(exc)
            self.stats.record(key, False)
            return None
        self.stats.record(key, value is not None)
        return value

    async def get_many(self, *keys: str) -> list[bytes | None]:
        """One round trip (MGET) for several keys; a Redis failure is a miss for each."""
        if not keys:
            return []
        try:
            async with asyncio.timeout(TIMEOUT_S):
                values = await self.pipe.mget([self.ns + k for k in keys])
            self.healthy = True
        except Exception as exc:
            self._failed(exc)
            values = [None] * len(keys)
        for key, value in zip(keys, values, strict=True):
            self.stats.record(key, value is not None)
        return list(values)

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        try:
            async with asyncio.timeout(TIMEOUT_S):
                await self.pipe.set(self.ns + key, value, px=int(ttl * 1000))
            self.stats.sets += 1
        except Exception as exc:
            self._failed(exc)

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            async with asyncio.timeout(TIMEOUT_S):
                await self.pipe.delete(*(self.ns + k for k in keys))
            self.stats.deletes += len(keys)
        except Exception as exc:
            self._failed(exc)

    async def clear(self, prefix: str = "") -> int:
        count = 0
        try:
            async with asyncio.timeout(CLEAR_TIMEOUT_S):
                async for key in self.client.scan_iter(match=f"{self.ns}{prefix}*",
                                                       count=500):
                    await self.client.delete(key)
                    count += 1
        except Exception as exc:
            self._failed(exc)
        return count

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self.client.ping(), timeout=0.5)
            self.healthy = True
        except Exception as exc:
            self._failed(exc)
        return self.healthy

    def _failed(self, exc: BaseException) -> None:
        self.stats.errors += 1
        if self.healthy:  # once per outage, with its cause (a timeout has no message)
            log.warning("redis cache call failed (%s: %s); serving without cache",
                        type(exc).__name__, exc)
        self.healthy = False

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "healthy": self.healthy}


# -- cached serialised reads with event-driven invalidation ---------------------------------------
#
# Staleness bound: a cached value is deleted by the domain event of the write that changed it,
# after that write committed and before its HTTP response is sent. A read that started before the
# commit cannot put the old value back: in this process its producer's result is discarded when the
# key was invalidated meanwhile, and in other workers (Redis) the key is deleted a second time
# INVALIDATION_REDELETE_S later. So a reader sees a stale value for at most
# INVALIDATION_REDELETE_S (1 s) after the write's response, and never past the entry's TTL.

INVALIDATION_REDELETE_S = 1.0


class CacheKeys:
    """The one naming scheme for cached objects: `<kind>:<id>:<variant>`."""

    @staticmethod
    def post_card(post_id: int) -> str:
        return f"post:{post_id}:card"

    @staticmethod
    def profile_card(user_id: int) -> str:
        return f"user:{user_id}:card"

    @staticmethod
    def trends(scope: str = "global") -> str:
        return f"trends:{scope}"

    @staticmethod
    def feed_page(user_id: int, page: str) -> str:
        return f"feed:{user_id}:{page}"


keys = CacheKeys


class _Coordination:
    """Per-cache single-flight futures and invalidation times (in this process)."""

    def __init__(self) -> None:
        self.inflight: dict[str, asyncio.Future[bytes]] = {}
        self.invalidated_at: dict[str, float] = {}
        self.pending: set[asyncio.Task[None]] = set()


_coord: dict[int, _Coordination] = {}


def _coordination(cache: Any) -> _Coordination:
    coord = _coord.get(id(cache))
    if coord is None:
        coord = _coord[id(cache)] = _Coordination()
    return coord


def _cache_of(owner: Any) -> Any:
    return getattr(owner, "cache", owner)


def serialise(value: Any) -> bytes:
    """Bytes of a Pydantic model, a list of models, or plain JSON data."""
    if isinstance(value, bytes):
        return value
    import orjson

    def default(obj: Any) -> Any:
        dump = getattr(obj, "model_dump", None)
        if dump is not None:
            return dump(mode="json")
        raise TypeError(f"cannot serialise {type(obj).__name__}")

    return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS)


async def cached(owner: Any, key: str, ttl: float,
                 producer: Any) -> bytes:
    """The serialised value under `key`, produced by `await producer()` on a miss.

    `owner` is the platform (or a cache). Concurrent misses of one key in this process share one
    producer call. A producer that raises caches nothing (errors such as NotFound propagate).
    """
    cache = _cache_of(owner)
    raw = await cache.get(key)
    if raw is not None:
        return raw
    coord = _coordination(cache)
    running = coord.inflight.get(key)
    if running is not None:
        return await asyncio.shield(running)
    started = time.monotonic()
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    coord.inflight[key] = future
    try:
        raw = serialise(await producer())
        if coord.invalidated_at.get(key, 0.0) < started:
            await cache.set(key, raw, ttl)
        future.set_result(raw)
        return raw
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # mark retrieved: no "never retrieved" warning without waiters
        raise
    finally:
        coord.inflight.pop(key, None)


async def cached_value(owner: Any, key: str, ttl: float, producer: Any) -> Any:
    """Like `cached`, decoded back to JSON data."""
    import orjson

    return orjson.loads(await cached(owner, key, ttl, producer))


async def invalidate(owner: Any, *cache_keys: str) -> None:
    """Delete keys now and once more shortly after (see the staleness bound above)."""
    if not cache_keys:
        return
    cache = _cache_of(owner)
    coord = _coordination(cache)
    now = time.monotonic()
    for key in cache_keys:
        coord.invalidated_at[key] = now
    if len(coord.invalidated_at) > 50_000:
        cutoff = now - 60
        coord.invalidated_at = {k: t for k, t in coord.invalidated_at.items() if t > cutoff}
    await cache.delete(*cache_keys)

    async def redelete() -> None:
        await asyncio.sleep(INVALIDATION_REDELETE_S)
        await cache.delete(*cache_keys)

    task = asyncio.get_running_loop().create_task(redelete())
    coord.pending.add(task)
    task.add_done_callback(coord.pending.discard)


def invalidate_on(platform: Any, event_type: type, keys_of: Any) -> None:
    """Subscribe: when `event_type` is published, invalidate `keys_of(event)` (a list of keys)."""

    async def handler(event: Any) -> None:
        await invalidate(platform, *keys_of(event))

    platform.bus.subscribe(event_type, handler)


async def store_unless_invalidated(owner: Any, key: str, raw: bytes, ttl: float,
                                   started: float) -> bool:
    """Cache `raw` (read from the database at or after `started`, a `time.monotonic()`) unless
    `key` was invalidated or refreshed in this process since: the read may predate that write.
    Returns whether it was stored."""
    cache = _cache_of(owner)
    if _coordination(cache).invalidated_at.get(key, 0.0) >= started:
        return False
    await cache.set(key, raw, ttl)
    return True


async def refresh(owner: Any, key: str, ttl: float, producer: Any) -> None:
    """Write-through after a committed write: store `await producer()` (bytes read after the
    commit, or None to delete the key) now, and once more INVALIDATION_REDELETE_S later.

    For values a write changes but does not end (counters, a reader's own liked/saved state): the
    readers keep hitting instead of missing after every write. The second store overwrites a
    value that a read in another worker, started before the commit, may have put back meanwhile
    (the same staleness bound as `invalidate`). A producer that fails deletes the key instead.

    Embedded (in-process cache, SQLite units of work run inline on the event loop): the read and
    the store of each pass happen with no other task in between, so the refresh of the latest
    write stores last and no reader can put an older value back: there is no second pass.
    """
    cache = _cache_of(owner)
    coord = _coordination(cache)
    inline = cache.backend == "memory" and getattr(getattr(owner, "db", None), "is_sqlite", False)

    async def once() -> None:
        coord.invalidated_at[key] = time.monotonic()
        try:
            raw = await producer()
        except Exception:
            log.warning("cache refresh of %s failed; dropping the key", key, exc_info=True)
            raw = None
        if raw is None:
            await cache.delete(key)
        else:
            await cache.set(key, raw, ttl)

    await once()
    if inline:
        return

    async def again() -> None:
        await asyncio.sleep(INVALIDATION_REDELETE_S)
        await once()

    task = asyncio.get_running_loop().create_task(again())
    coord.pending.add(task)
    task.add_done_callback(coord.pending.discard)
