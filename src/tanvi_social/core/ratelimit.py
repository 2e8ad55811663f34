"""Fixed-window rate limits: in-process counters (embedded) or Redis (shared by every worker).

`hit(key, limit, window)` counts one event and returns the decision with the numbers the
`X-RateLimit-*` headers need. If Redis is unreachable the limiter fails open (and says so in logs)
rather than taking the service down.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window resets

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(self.reset_after),
        }


class MemoryRateLimiter:
    backend = "memory"

    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: dict[str, tuple[int, int]] = {}
        self.max_keys = max_keys

    async def hit(self, key: str, limit: int, window: int, *, cost: int = 1) -> Decision:
        now = time.time()
        bucket = int(now // window)
        start, count = self._windows.get(key, (bucket, 0))
        if start != bucket:
            start, count = bucket, 0
        count += cost
        if len(self._windows) >= self.max_keys:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == bucket}
        self._windows[key] = (start, count)
        reset = math.ceil((bucket + 1) * window - now)
        return Decision(count <= limit, limit, limit - count, max(1, reset))

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        now = time.time()
        bucket = int(now // window)
        start, count = self._windows.get(key, (bucket, 0))
        if start != bucket:
            count = 0
        reset = math.ceil((bucket + 1) * window - now)
        return Decision(count < limit, limit, limit - count, max(1, reset))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisRateLimiter:
    backend = "redis"

    def __init__(self, client: Any, namespace: str = "tanvi:rl:") -> None:
        self.client = client
        self.ns = namespace

    def _key(self, key: str, window: int) -> tuple[str, int]:
        now = time.time()
        bucket = int(now // window)
        return f"{self.ns}{key}:{bucket}", max(1, math.ceil((bucket + 1) * window - now))

    async def hit(self, key: str, limit: int, window: int, *, cost: int = 1) -> Decision:
        rkey, reset = self._key(key, window)
        try:
            pipe = self.client.pipeline()
            pipe.incrby(rkey, cost)
            pipe.expire(rkey, window + 1)
            count, _ = await pipe.execute()
        except Exception:
            log.warning("redis rate limiter unreachable; allowing")
            return Decision(True, limit, limit, reset)
        return Decision(int(count) <= limit, limit, limit - int(count), reset)

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        rkey, reset = self._key(key, window)
        try:
            count = int(await self.client.get(rkey) or 0)
        except Exception:
            return Decision(True, limit, limit, reset)
        return Decision(count < limit, limit, limit - count, reset)

    async def reset(self, key: str) -> None:
        try:
            await self.client.delete(*[k async for k in self.client.scan_iter(f"{self.ns}{key}:*")])
        except Exception:
            log.warning("redis rate limiter unreachable on reset")
