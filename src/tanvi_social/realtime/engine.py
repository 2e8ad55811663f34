"""The realtime engine: domain events in, frames out to this worker's hub.

Flow: a unit of work commits → `platform.bus` publishes its events → `core.pubsub` republishes
each one on the `events` channel (Redis pub/sub in scale mode, so every worker sees the events of
every worker; in-process otherwise) → `Realtime` consumes that channel, keeps the routed names and
dispatches them to the streams it holds. Each worker computes recipients among its own connected
(or recently connected) users, so fan-out cost follows the connections a worker holds, not the
size of the audience. Without `core.pubsub` (never in the app, but kept for embedding) the engine
subscribes to the bus directly with `subscribe_all`.

Event ids are a per-worker counter that starts at the start-up time in microseconds, so they only
grow, also across restarts of the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from tanvi_social.core.platform import Platform
from tanvi_social.realtime import service
from tanvi_social.realtime.hub import Frame, Hub
from tanvi_social.realtime.tickets import TicketLedger

log = logging.getLogger(__name__)

ROUTED = frozenset({"notification.created", "post.created", "post.engagement", "event.rsvp",
                    "message.sent", "message.typing", "conversation.updated"})
MESSAGE_EVENTS = ("message.sent", "message.typing", "conversation.updated")
EVENTS_CHANNEL = "events"


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [int(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]


class Realtime:
    """One per app: the hub, the ticket ledger, the id counter and the optional Redis bridge."""

    def __init__(self, platform: Platform, *, heartbeat_seconds: float = 15.0,
                 queue_size: int = 256, buffer_size: int = 100) -> None:
        self.platform = platform
        self.heartbeat_seconds = heartbeat_seconds
        self.hub = Hub(queue_size=queue_size, buffer_size=buffer_size)
        self.tickets = TicketLedger(platform.redis)
        self._next_id = time.time_ns() // 1000
        self.pubsub: Any = platform.extras.get("pubsub")
        self._consumer: asyncio.Task[None] | None = None
        self._janitor: asyncio.Task[None] | None = None
        self.received = 0
        if self.pubsub is None:
            platform.bus.subscribe_all(self.on_event)

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def start(self) -> None:
        if self.pubsub is not None:
            ready = asyncio.Event()
            self._consumer = asyncio.create_task(self._consume(ready), name="realtime-consumer")
            await ready.wait()
        self._janitor = asyncio.create_task(self._expire_loop(), name="realtime-janitor")

    async def stop(self) -> None:
        self.hub.close_all()
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer

    async def _consume(self, ready: asyncio.Event) -> None:
        """Read the `events` channel for as long as the app runs."""
        while True:
            stream = self.pubsub.subscribe(EVENTS_CHANNEL)
            try:
                first = asyncio.ensure_future(anext(stream))
                await asyncio.sleep(0)  # let the subscription register before we report ready
                ready.set()
                payload = await first
                while True:
                    await self._on_payload(payload)
                    payload = await anext(stream)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("realtime: event consumer failed; resubscribing")
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await stream.aclose()

    async def _on_payload(self, payload: Any) -> None:
        if not isinstance(payload, dict) or payload.get("name") not in ROUTED:
            return
        self.received += 1
        try:
            await self.dispatch(payload["name"], payload)
        except Exception:
            log.exception("realtime: dispatch failed", extra={"event": payload.get("name")})

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(30)
            self.hub.expire_buffers()

    async def on_event(self, event: Any) -> None:
        """Direct bus consumer, used only when there is no `core.pubsub`."""
        name = getattr(event, "name", None)
        if name in ROUTED and hasattr(event, "to_json"):
            await self.dispatch(name, event.to_json())

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
        if name in MESSAGE_EVENTS:
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
                                         buffer=name != "message.typing")
