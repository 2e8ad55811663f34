"""The running service's shared parts, built once per app in the lifespan."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.cache import Cache, MemoryCache, RedisCache
from tanvi_social.core.db import Database
from tanvi_social.core.events import EventBus
from tanvi_social.core.observability import Monitor
from tanvi_social.core.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tanvi_social.core.redis_pipe import PipelinedRedis
from tanvi_social.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Platform:
    settings: Settings
    db: Database
    cache: Cache
    limiter: MemoryRateLimiter | RedisRateLimiter
    bus: EventBus
    monitor: Monitor
    redis: Any = None
    started_at: float = field(default_factory=time.time)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, monitor: Monitor | None = None) -> Platform:
        db = Database(settings.database_url, echo=settings.sql_echo,
                      pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
        redis_client = None
        cache: Cache
        limiter: MemoryRateLimiter | RedisRateLimiter
        if settings.redis_url:
            import redis.asyncio as redis_asyncio

            redis_client = redis_asyncio.from_url(
                settings.redis_url, socket_connect_timeout=0.5, socket_timeout=0.5,
                health_check_interval=10,
            )
            # The cache's own connections: every cache call is bounded by the cache itself
            # (`asyncio.timeout`), and a client-side `socket_timeout` would cost an
            # `asyncio.wait_for` (a new task) per command, a third of a cached card's CPU.
            # Its GET, MGET, SET and DEL go over one pipelined hiredis connection (core/redis_pipe).
            cache = RedisCache(redis_asyncio.from_url(
                settings.redis_url, socket_connect_timeout=0.5, socket_timeout=None,
                health_check_interval=10,
            ), pipe=PipelinedRedis.from_url(settings.redis_url))
            limiter = RedisRateLimiter(redis_client)
        else:
            cache = MemoryCache()
            limiter = MemoryRateLimiter()
        bus = EventBus()
        db.set_event_sink(bus.publish)
        platform = cls(settings=settings, db=db, cache=cache, limiter=limiter, bus=bus,
                       monitor=monitor or Monitor(), redis=redis_client)
        from tanvi_social.core import jobs, pubsub

        jobs.install(platform)
        pubsub.install(platform)
        return platform

    async def close(self) -> None:
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        if isinstance(self.cache, RedisCache):
            await self.cache.client.aclose()
            if self.cache.pipe is not self.cache.client:
                await self.cache.pipe.aclose()
