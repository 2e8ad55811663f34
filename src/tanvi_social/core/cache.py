"""One cache interface: an in-process LRU with TTL and a memory bound, or Redis at scale.

Values are bytes (serialised JSON): what is cached is what is sent. Hit, miss and eviction
counters feed `/api/performance/cache/stats`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    sets: int = 0
    deletes: int = 0
    errors: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return round(self.hits / total, 4) if total else 0.0


class Cache(Protocol):
    stats: CacheStats
    backend: str

    async def get(self, key: str) -> bytes | None: ...
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
            self.stats.misses += 1
            return None
        expires, value = item
        if expires < time.monotonic():
            self._remove(key)
            self.stats.misses += 1
            return None
        self._data.move_to_end(key)
        self.stats.hits += 1
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self.set_now(key, value, ttl)

    def set_now(self, key: str, value: bytes, ttl: float) -> None:
        if len(value) > self.max_bytes // 4:
            return
        if key in self._data:
            self._remove(key)
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
    """Shared by every worker. A Redis failure degrades to a miss; it never fails a request."""

    backend = "redis"

    def __init__(self, client: Any, namespace: str = "tanvi:cache:") -> None:
        self.client = client
        self.ns = namespace
        self.stats = CacheStats()
        self.healthy = True

    async def get(self, key: str) -> bytes | None:
        try:
            value = await asyncio.wait_for(self.client.get(self.ns + key), timeout=0.5)
            self.healthy = True
        except Exception:
            self._failed()
            self.stats.misses += 1
            return None
        if value is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        try:
            await asyncio.wait_for(self.client.set(self.ns + key, value, px=int(ttl * 1000)),
                                   timeout=0.5)
            self.stats.sets += 1
        except Exception:
            self._failed()

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await asyncio.wait_for(self.client.delete(*(self.ns + k for k in keys)), timeout=0.5)
            self.stats.deletes += len(keys)
        except Exception:
            self._failed()

    async def clear(self, prefix: str = "") -> int:
        count = 0
        try:
            async for key in self.client.scan_iter(match=f"{self.ns}{prefix}*", count=500):
                await self.client.delete(key)
                count += 1
        except Exception:
            self._failed()
        return count

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self.client.ping(), timeout=0.5)
            self.healthy = True
        except Exception:
            self._failed()
        return self.healthy

    def _failed(self) -> None:
        self.stats.errors += 1
        if self.healthy:
            log.warning("redis cache unreachable; serving without cache")
        self.healthy = False

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "healthy": self.healthy}
