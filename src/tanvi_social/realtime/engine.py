"""The realtime engine: bus events in, frames out to the hub; Redis pub/sub between workers.

Flow: a unit of work commits → `platform.bus` publishes its events → `Realtime.on_event`
(subscribed with `subscribe_all`) keeps the routed names, dispatches them to this worker's hub
and, in scale mode, publishes them on the Redis channel `tanvi:realtime` so that every other
worker dispatches them to the streams it holds. Each worker computes recipients among its own
connected (or recently connected) users, so fan-out cost follows the connections a worker has,
not the size of the audience.

Event ids are a per-worker counter that starts at the start-up time in microseconds, so they only
grow, also across restarts of the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from tanvi_social.core.platform import Platform
from tanvi_social.realtime import service
from tanvi_social.realtime.hub import Frame, Hub
from tanvi_social.realtime.tickets import TicketLedger

log = logging.getLogger(__name__)

ROUTED = frozenset({"notification.created", "post.created", "post.engagement", "event.rsvp",
                    "message.sent", "message.typing"})
CHANNEL = "tanvi:realtime"


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [int(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]


class RedisBridge:
    """Cross-worker delivery over Redis pub/sub (one subscriber connection per worker)."""

    def __init__(self, url: str, origin: str,
                 on_message: Callable[[str, dict[str, Any]], Awaitable[None]]) -> None:
        self.url = url
        self.origin = origin
        self.on_message = on_message
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.received = 0
        self.published = 0

    async def start(self) -> None:
        import redis.asyncio as redis_asyncio

        self._client = redis_asyncio.from_url(self.url, socket_connect_timeout=2,
                                              health_check_interval=30)
        self._task = asyncio.create_task(self._listen(), name="realtime-redis-bridge")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=3)

    async def publish(self, name: str, fields: dict[str, Any]) -> None:
        payload = orjson.dumps({"origin": self.origin, "name": name, "fields": fields},
                               default=str)
        try:
            await self._client.publish(CHANNEL, payload)
            self.published += 1
        except Exception:
            log.warning("realtime: publishing to Redis failed", exc_info=True)

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                self._ready.set()
                backoff = 0.2
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message.get("type") != "message":
                        continue
                    await self._handle(message["data"])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception:
                log.warning("realtime: Redis subscription lost; reconnecting", exc_info=True)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _handle(self, raw: bytes) -> None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        if not isinstance(data, dict) or data.get("origin") == self.origin:
            return
        name, fields = data.get("name"), data.get("fields")
        if name in ROUTED and isinstance(fields, dict):
            self.received += 1
            try:
                await self.on_message(name, fields)
            except Exception:
                log.exception("realtime: dispatching a remote event failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._client is not None:
            await self._client.aclose()


class Realtime:
    """One per app: the hub, the ticket ledger, the id counter and the optional Redis bridge."""

    def __init__(self, platform: Platform, *, heartbeat_seconds: float = 15.0,
                 queue_size: int = 256, buffer_size: int = 100) -> None:
        self.platform = platform
        self.heartbeat_seconds = heartbeat_seconds
        self.hub = Hub(queue_size=queue_size, buffer_size=buffer_size)
        self.tickets = TicketLedger(platform.redis)
        self.origin = uuid.uuid4().hex
        self._next_id = time.time_ns() // 1000
        self.bridge: RedisBridge | None = None
        self._janitor: asyncio.Task[None] | None = None
        if platform.settings.redis_url:
            self.bridge = RedisBridge(platform.settings.redis_url, self.origin, self.dispatch)

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def start(self) -> None:
        if self.bridge is not None:
            await self.bridge.start()
        self._janitor = asyncio.create_task(self._expire_loop(), name="realtime-janitor")

    async def stop(self) -> None:
        self.hub.close_all()
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
        if self.bridge is not None:
            await self.bridge.stop()

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(30)
            self.hub.expire_buffers()

    async def on_event(self, event: Any) -> None:
        """Bus consumer: route locally, and to the other workers in scale mode."""
        name = getattr(event, "name", None)
        if name not in ROUTED:
            return
        fields = event.to_dict() if hasattr(event, "to_dict") else dict(vars(event))
        await self.dispatch(name, fields)
        if self.bridge is not None:
            await self.bridge.publish(name, fields)

    async def dispatch(self, name: str, fields: dict[str, Any]) -> int:
        """Deliver one event to this worker's connections; returns how many it reached."""
        hub = self.hub
        if name == "notification.created":
            recipient = fields.get("recipient_id")
            if not isinstance(recipient, int) or recipient not in hub.buffers:
                return 0
            payload = fields.get("payload") or {}
            data = {"notification_id": fields.get("notification_id"), "type": fields.get("type"),
                    **payload}
            return hub.deliver_to_users(Frame(self.next_id(), name, data), [recipient])
        if name == "post.created":
            author_id, post_id = fields.get("author_id"), fields.get("post_id")
            if not isinstance(author_id, int) or not isinstance(post_id, int):
                return 0
            known = hub.known_user_ids()
            if not known:
                return 0
            recipients = await self.platform.db.read(
                service.feed_recipients, author_id, post_id, fields.get("visibility"), known)
            if not recipients:
                return 0
            data = {"post_id": post_id, "author_id": author_id}
            return hub.deliver_to_users(Frame(self.next_id(), name, data), recipients)
        if name == "post.engagement":
            post_id = fields.get("post_id")
            topic = f"post:{post_id}"
            if topic not in hub.by_topic:
                return 0
            data = {"post_id": post_id, "counts": fields.get("counts") or {}}
            return hub.deliver_to_topic(Frame(self.next_id(), name, data), topic)
        if name == "event.rsvp":
            event_id = fields.get("event_id")
            topic = f"event:{event_id}"
            if topic not in hub.by_topic:
                return 0
            data = {"event_id": event_id, "counts": fields.get("counts") or {}}
            return hub.deliver_to_topic(Frame(self.next_id(), name, data), topic)
        if name in ("message.sent", "message.typing"):
            return self._dispatch_message(name, fields)
        return 0

    def _dispatch_message(self, name: str, fields: dict[str, Any]) -> int:
        participants = set(_ints(fields.get("participant_ids")) or _ints(
            fields.get("recipient_ids")))
        sender = fields.get("sender_id", fields.get("user_id"))
        if name == "message.typing" and isinstance(sender, int):
            participants.discard(sender)
        participants &= self.hub.known_user_ids()
        if not participants:
            return 0
        data = {k: v for k, v in fields.items()
                if k not in ("participant_ids", "recipient_ids", "name")}
        frame = Frame(self.next_id(), name, data)
        return self.hub.deliver_to_users(frame, participants,
                                         buffer=name == "message.sent")
