"""Publish/subscribe across worker processes: in-process (embedded) or Redis pub/sub (scale).

The realtime streams and any other cross-process consumer use one API, found at
`platform.extras["pubsub"]`::

    await pubsub.publish("user:42", {"type": "notification.created", ...})
    async for payload in pubsub.subscribe("user:42"):   # an async iterator of dicts
        ...

* `InProcessPubSub`: channels are in-memory fan-out queues (embedded mode: one process).
* `RedisPubSub`: every message goes through Redis (`PUBLISH tanvi:<db>:ps:<channel>`); each
  process keeps **one** pattern subscription (`tanvi:<db>:ps:*`) and fans messages out to its local
  subscribers, so a thousand open streams cost one Redis connection per worker, not a thousand.
  When Redis cannot be reached, a publish is delivered to this process's subscribers only
  (degraded, reported by `/api/health` as `pubsub`), and the listener reconnects with back-off.

`bridge_events(platform)` republishes every domain event after its commit on the channel
`"events"` as `event.to_dict()` (JSON values; `name` is the wire name), so a consumer in any worker
sees the events produced in every worker.

Slow subscribers never block publishers: each subscription has a bounded queue (1,000 messages);
when it is full the oldest message is dropped and `dropped` is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from tanvi_social.core.platform import Platform

log = logging.getLogger(__name__)



def channel_prefix(client: Any) -> str:
    """`tanvi:<db>:ps:`: Redis channels are server-wide, not per database, so the prefix names the
    database the deployment was given; two deployments (or two test runs) on one Redis server with
    different databases never hear each other's messages."""
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    return f"tanvi:{int(kwargs.get('db', 0) or 0)}:ps:"
EVENTS_CHANNEL = "events"
QUEUE_SIZE = 1000


class _Fanout:
    """Local subscribers by channel, each with a bounded queue."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self.delivered = 0
        self.dropped = 0

    def deliver(self, channel: str, payload: dict[str, Any]) -> int:
        queues = self.queues.get(channel)
        if not queues:
            return 0
        for queue in list(queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                self.dropped += 1
            queue.put_nowait(payload)
            self.delivered += 1
        return len(queues)

    async def iterate(self, channel: str, on_first: Any = None) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.queues[channel].add(queue)
        try:
            if on_first is not None:
                await on_first()
            while True:
                yield await queue.get()
        finally:
            self.queues[channel].discard(queue)
            if not self.queues[channel]:
                self.queues.pop(channel, None)

    @property
    def subscribers(self) -> int:
        return sum(len(q) for q in self.queues.values())


class InProcessPubSub:
    """Embedded mode: publish delivers straight to this process's subscribers."""

    backend = "memory"

    def __init__(self) -> None:
        self._fanout = _Fanout()
        self.published = 0

    async def publish(self, channel: str, payload: dict[str, Any]) -> int:
        """Deliver `payload` to every subscriber of `channel`; returns how many got it."""
        self.published += 1
        return self._fanout.deliver(channel, payload)

    def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        """An async iterator of the payloads published on `channel` from now on."""
        return self._fanout.iterate(channel)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def health(self) -> dict[str, Any]:
        return {"status": "ok", "backend": self.backend}

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "published": self.published,
                "subscribers": self._fanout.subscribers, "delivered": self._fanout.delivered,
                "dropped": self._fanout.dropped}


class RedisPubSub:
    """Scale mode: Redis PUBLISH, one pattern subscription per process, local fan-out."""

    backend = "redis"

    def __init__(self, client: Any) -> None:
        self.client = client
        self.prefix = channel_prefix(client)
        self._fanout = _Fanout()
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self.healthy = True
        self.published = 0
        self.fallbacks = 0

    async def publish(self, channel: str, payload: dict[str, Any]) -> int:
        """Publish through Redis (every worker's subscribers get it, this one's included)."""
        self.published += 1
        try:
            receivers = await asyncio.wait_for(
                self.client.publish(self.prefix + channel, orjson.dumps(payload)), timeout=0.5)
            if not self.healthy:
                log.info("redis pub/sub reachable again")
            self.healthy = True
            if self._listener is not None and not self._listener.done() and \
                    self._subscribed.is_set():
                return int(receivers)
        except Exception as exc:
            if self.healthy:
                log.warning("redis pub/sub unreachable; delivering in this process only: %s", exc)
            self.healthy = False
        # Redis is down, or this process is not listening yet: deliver locally.
        self.fallbacks += 1
        return self._fanout.deliver(channel, payload)

    def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        """An async iterator of the payloads published on `channel` in any worker."""
        return self._fanout.iterate(channel, on_first=self._wait_listening)

    async def _wait_listening(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=1.0)

    async def start(self) -> None:
        """Start the process-wide listener (the app's lifespan calls this)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen_forever(), name="pubsub-listener")
            await self._wait_listening()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None

    async def _listen_forever(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await asyncio.wait_for(pubsub.psubscribe(self.prefix + "*"), timeout=2.0)
                self._subscribed.set()
                self.healthy = True
                backoff = 0.2
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    try:
                        payload = orjson.loads(message["data"])
                    except orjson.JSONDecodeError:
                        continue
                    self._fanout.deliver(channel[len(self.prefix):], payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.healthy:
                    log.warning("redis pub/sub listener lost its connection: %s", exc)
                self.healthy = False
                self._subscribed.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), timeout=1.0)

    async def health(self) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            await asyncio.wait_for(self.client.ping(), timeout=0.5)
        except Exception as exc:
            return {"status": "degraded", "backend": "redis",
                    "detail": f"Redis unreachable; events reach this worker only "
                              f"({type(exc).__name__})"}
        listening = self._subscribed.is_set()
        return {"status": "ok" if listening else "degraded", "backend": "redis",
                "latency_ms": round((time.perf_counter() - start) * 1000, 3),
                "detail": None if listening else "listener reconnecting"}

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "healthy": self.healthy, "published": self.published,
                "subscribers": self._fanout.subscribers, "delivered": self._fanout.delivered,
                "dropped": self._fanout.dropped, "local_fallbacks": self.fallbacks}


PubSub = InProcessPubSub | RedisPubSub


def install(platform: Platform) -> PubSub:
    """Create the platform's pub/sub, start/stop it with the app, bridge the event bus to it."""
    pubsub: PubSub = RedisPubSub(platform.redis) if platform.redis is not None \
        else InProcessPubSub()
    platform.extras["pubsub"] = pubsub
    platform.extras.setdefault("on_startup", []).insert(0, pubsub.start)
    platform.extras.setdefault("on_shutdown", []).insert(0, pubsub.stop)
    platform.extras.setdefault("health_checks", {})["pubsub"] = pubsub.health
    bridge_events(platform, pubsub)
    return pubsub


def bridge_events(platform: Platform, pubsub: PubSub) -> None:
    """Republish each committed domain event on the `events` channel as JSON."""

    async def forward(event: Any) -> None:
        to_json = getattr(event, "to_json", None)
        if to_json is None:
            return
        await pubsub.publish(EVENTS_CHANNEL, to_json())

    platform.bus.subscribe_all(forward)
