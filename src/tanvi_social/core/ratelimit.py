"""Sliding-window rate limits: exact "N per window" for any window, not per clock minute.

In-process (embedded) each key keeps the timestamps of its recent allowed hits; in Redis (shared by
every worker) a sorted set does the same, updated atomically by a Lua script. `hit` counts one
event and returns the decision with the numbers the `X-RateLimit-*` headers need; refused hits are
not counted. If Redis is unreachable the limiter fails open (and logs it) rather than taking the
service down.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until a slot frees up (or the window is empty again)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(self.reset_after),
        }


def _reset_after(oldest: float | None, window: int, now: float) -> int:
    if oldest is None:
        return window
    return max(1, math.ceil(oldest + window - now))


class MemoryRateLimiter:
    backend = "memory"

    def __init__(self, max_keys: int = 100_000) -> None:
        self._hits: dict[str, deque[float]] = {}
        self.max_keys = max_keys

    def _recent(self, key: str, window: int, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._prune(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        # Drop keys whose newest hit is older than an hour (longer than any window we use).
        self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 3600}

    async def hit(self, key: str, limit: int, window: int, *, cost: int = 1) -> Decision:
        now = time.time()
        hits = self._recent(key, window, now)
        if len(hits) + cost > limit:
            return Decision(False, limit, limit - len(hits), _reset_after(hits[0], window, now))
        hits.extend([now] * cost)
        return Decision(True, limit, limit - len(hits), _reset_after(hits[0], window, now))

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        now = time.time()
        hits = self._recent(key, window, now)
        oldest = hits[0] if hits else None
        return Decision(len(hits) < limit, limit, limit - len(hits),
                        _reset_after(oldest, window, now))

    async def reset(self, key: str) -> None:
        self._hits.pop(key, None)


# KEYS[1] = key; ARGV = now, window, limit, cost, member prefix.
# Returns {allowed (0/1), count after, oldest timestamp or -1}.
_HIT_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', key, now, ARGV[5] .. ':' .. i)
  end
  count = count + cost
  allowed = 1
end
redis.call('EXPIRE', key, math.ceil(window) + 1)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local first = -1
if oldest[2] then first = oldest[2] end
return {allowed, count, tostring(first)}
"""


class RedisRateLimiter:
    backend = "redis"

    def __init__(self, client: Any, namespace: str = "tanvi:rl:") -> None:
        self.client = client
        self.ns = namespace
        self._script = client.register_script(_HIT_SCRIPT)

    async def hit(self, key: str, limit: int, window: int, *, cost: int = 1) -> Decision:
        now = time.time()
        try:
            allowed, count, oldest = await self._script(
                keys=[self.ns + key], args=[now, window, limit, cost, uuid.uuid4().hex])
        except Exception:
            log.warning("redis rate limiter unreachable; allowing")
            return Decision(True, limit, limit, window)
        first = float(oldest)
        reset = _reset_after(None if first < 0 else first, window, now)
        return Decision(bool(allowed), limit, limit - int(count), reset)

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        now = time.time()
        rkey = self.ns + key
        try:
            await self.client.zremrangebyscore(rkey, "-inf", now - window)
            count = int(await self.client.zcard(rkey))
            oldest = await self.client.zrange(rkey, 0, 0, withscores=True)
        except Exception:
            return Decision(True, limit, limit, window)
        first = oldest[0][1] if oldest else None
        return Decision(count < limit, limit, limit - count, _reset_after(first, window, now))

    async def reset(self, key: str) -> None:
        try:
            await self.client.delete(self.ns + key)
        except Exception:
            log.warning("redis rate limiter unreachable on reset")
