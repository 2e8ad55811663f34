"""The in-process connection hub: who is connected, what they follow, and bounded delivery.

* A `Frame` is one event encoded once (SSE bytes and WebSocket text) and shared by every
  connection and ring buffer that holds it.
* A `Connection` owns a bounded deque of frames. `offer` never waits: when the deque is full the
  client is too slow, so the connection is dropped (its writer is woken or cancelled) and the
  producer moves on — one slow client never blocks the others.
* A `ReplayBuffer` per user keeps the last `buffer_size` frames (monotonically increasing ids) so
  an SSE client reconnecting with `Last-Event-ID` gets what it missed; it is kept for
  `retain_seconds` after the user's last connection closes, and at most `max_buffers` users are
  remembered (least recently used first out), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any

import orjson


class Frame:
    """One event, encoded once for every transport."""

    __slots__ = ("_sse", "_ws", "data", "id", "name")

    def __init__(self, event_id: int, name: str, data: dict[str, Any]) -> None:
        self.id = event_id
        self.name = name
        self.data = data
        self._sse: bytes | None = None
        self._ws: str | None = None

    @property
    def sse(self) -> bytes:
        if self._sse is None:
            self._sse = b"id: %d\nevent: %s\ndata: %s\n\n" % (
                self.id, self.name.encode(), orjson.dumps(self.data))
        return self._sse

    @property
    def ws(self) -> str:
        if self._ws is None:
            body: dict[str, Any] = {"event": self.name, "data": self.data}
            if self.id:
                body["id"] = self.id
            self._ws = orjson.dumps(body).decode()
        return self._ws


class Connection:
    """One open stream: a bounded outbox and the topics (posts, events) it watches."""

    __slots__ = ("_outbox", "_sending", "_waiter", "_writer", "closed", "drop_reason",
                 "id", "kind", "maxsize", "topics", "user_id")

    _ids = itertools.count(1)

    def __init__(self, user_id: int, *, kind: str, maxsize: int) -> None:
        self.id = next(Connection._ids)
        self.user_id = user_id
        self.kind = kind
        self.maxsize = maxsize
        self.topics: set[str] = set()
        self.closed = False
        self.drop_reason: str | None = None
        self._outbox: deque[Frame] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[Any] | None = None
        self._sending = False

    def __len__(self) -> int:
        return len(self._outbox)

    def offer(self, frame: Frame) -> bool:
        """Queue a frame without waiting; a full outbox drops the connection."""
        if self.closed:
            return False
        if len(self._outbox) >= self.maxsize:
            self.close("slow_consumer")
            return False
        self._outbox.append(frame)
        self._wake()
        return True

    def close(self, reason: str = "closed") -> None:
        """Mark closed, discard the outbox, and unblock the writer (even mid-send)."""
        if self.closed:
            return
        self.closed = True
        self.drop_reason = reason
        self._outbox.clear()
        self._wake()
        if self._sending and self._writer is not None and not self._writer.done():
            self._writer.cancel()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def bind_writer(self) -> None:
        """Remember the task that writes to the client, so a drop can interrupt a stuck send."""
        self._writer = asyncio.current_task()

    async def next_frames(self, timeout: float) -> list[Frame]:
        """Frames ready to send; an empty list after `timeout` seconds idle (heartbeat time)."""
        if not self._outbox and not self.closed:
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            handle = loop.call_later(timeout, _resolve, self._waiter)
            try:
                await self._waiter
            finally:
                handle.cancel()
                self._waiter = None
        frames = list(self._outbox)
        self._outbox.clear()
        return frames

    def sending(self, flag: bool) -> None:
        self._sending = flag


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class ReplayBuffer:
    """The last frames sent to one user, for `Last-Event-ID` resume."""

    __slots__ = ("evicted_upto", "frames", "released_at", "since")

    def __init__(self, size: int, since: int) -> None:
        self.frames: deque[Frame] = deque(maxlen=size)
        self.since = since  # every event with a larger id addressed to the user is (or was) here
        self.evicted_upto = since
        self.released_at: float | None = None

    def add(self, frame: Frame) -> None:
        if self.frames.maxlen is not None and len(self.frames) == self.frames.maxlen:
            self.evicted_upto = self.frames[0].id
        self.frames.append(frame)

    def after(self, last_id: int) -> list[Frame] | None:
        """Frames with id > last_id, or None when some of them are no longer held."""
        if last_id < self.evicted_upto:
            return None
        return [f for f in self.frames if f.id > last_id]


class Hub:
    """Local connections by user and by topic; delivery, replay buffers and counters."""

    def __init__(self, *, queue_size: int = 256, buffer_size: int = 100,
                 retain_seconds: float = 300.0, max_buffers: int = 50_000,
                 max_connections_per_user: int = 16) -> None:
        self.queue_size = queue_size
        self.buffer_size = buffer_size
        self.retain_seconds = retain_seconds
        self.max_buffers = max_buffers
        self.max_connections_per_user = max_connections_per_user
        self.by_user: dict[int, set[Connection]] = {}
        self.by_topic: dict[str, set[Connection]] = {}
        self.buffers: OrderedDict[int, ReplayBuffer] = OrderedDict()
        self.last_id = 0
        self.stats = {"delivered": 0, "dropped_slow": 0, "events": 0, "opened": 0}

    # -- connections ---------------------------------------------------------------------
    def open(self, user_id: int, *, kind: str) -> Connection:
        """Register a connection (the oldest of a user's connections beyond the cap is closed)."""
        conns = self.by_user.setdefault(user_id, set())
        while len(conns) >= self.max_connections_per_user:
            oldest = min(conns, key=lambda c: c.id)
            oldest.close("too_many_connections")
            self.unregister(oldest)
        conn = Connection(user_id, kind=kind, maxsize=self.queue_size)
        conns.add(conn)
        buf = self._buffer(user_id)
        buf.released_at = None
        self.stats["opened"] += 1
        return conn

    def unregister(self, conn: Connection) -> None:
        conns = self.by_user.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_user[conn.user_id]
                buf = self.buffers.get(conn.user_id)
                if buf is not None:
                    buf.released_at = time.monotonic()
        for topic in conn.topics:
            members = self.by_topic.get(topic)
            if members is not None:
                members.discard(conn)
                if not members:
                    del self.by_topic[topic]
        conn.topics.clear()
        if conn.drop_reason == "slow_consumer":
            self.stats["dropped_slow"] += 1

    def subscribe(self, conn: Connection, topic: str) -> None:
        if conn.closed or len(conn.topics) >= 200:
            return
        conn.topics.add(topic)
        self.by_topic.setdefault(topic, set()).add(conn)

    def unsubscribe(self, conn: Connection, topic: str) -> None:
        conn.topics.discard(topic)
        members = self.by_topic.get(topic)
        if members is not None:
            members.discard(conn)
            if not members:
                del self.by_topic[topic]

    @property
    def connection_count(self) -> int:
        return sum(len(c) for c in self.by_user.values())

    def online_user_ids(self) -> set[int]:
        return set(self.by_user)

    def known_user_ids(self) -> set[int]:
        """Users connected now or recently enough that their replay buffer is kept."""
        return set(self.by_user) | set(self.buffers)

    # -- ids and buffers -----------------------------------------------------------------
    def observe_id(self, event_id: int) -> None:
        if event_id > self.last_id:
            self.last_id = event_id

    def _buffer(self, user_id: int) -> ReplayBuffer:
        buf = self.buffers.get(user_id)
        if buf is None:
            buf = ReplayBuffer(self.buffer_size, since=self.last_id)
            self.buffers[user_id] = buf
            if len(self.buffers) > self.max_buffers:
                self._evict_over_cap()
        else:
            self.buffers.move_to_end(user_id)
        return buf

    def _evict_over_cap(self) -> None:
        """Forget the least recently opened buffers of users not connected now."""
        excess = len(self.buffers) - self.max_buffers
        victims = []
        for user_id in self.buffers:
            if excess <= 0:
                break
            if user_id not in self.by_user:
                victims.append(user_id)
                excess -= 1
        for user_id in victims:
            del self.buffers[user_id]

    def expire_buffers(self) -> int:
        """Forget replay buffers of users gone longer than `retain_seconds`; returns how many."""
        now = time.monotonic()
        expired = [u for u, b in self.buffers.items()
                   if b.released_at is not None and now - b.released_at > self.retain_seconds]
        for user_id in expired:
            del self.buffers[user_id]
        return len(expired)

    def replay(self, user_id: int, last_id: int) -> list[Frame] | None:
        """Missed frames for a resuming client, or None when the gap cannot be filled."""
        buf = self.buffers.get(user_id)
        if buf is None:
            return None
        return buf.after(last_id)

    # -- delivery ------------------------------------------------------------------------
    def deliver_to_users(self, frame: Frame, user_ids: Iterable[int], *,
                         buffer: bool = True) -> int:
        """Buffer the frame for each user we know and offer it to their open connections."""
        self.observe_id(frame.id)
        self.stats["events"] += 1
        sent = 0
        for user_id in user_ids:
            buf = self.buffers.get(user_id) if buffer else None
            if buf is not None:
                buf.add(frame)
            for conn in list(self.by_user.get(user_id, ())):
                if conn.offer(frame):
                    sent += 1
                elif conn.closed:
                    self.unregister(conn)
        self.stats["delivered"] += sent
        return sent

    def deliver_to_topic(self, frame: Frame, topic: str, *, exclude_users: set[int] | None = None,
                         allowed_users: set[int] | None = None) -> int:
        """Offer a frame to the connections watching a topic (not buffered: live state only)."""
        self.observe_id(frame.id)
        self.stats["events"] += 1
        sent = 0
        for conn in list(self.by_topic.get(topic, ())):
            if exclude_users and conn.user_id in exclude_users:
                continue
            if allowed_users is not None and conn.user_id not in allowed_users:
                continue
            if conn.offer(frame):
                sent += 1
            elif conn.closed:
                self.unregister(conn)
        self.stats["delivered"] += sent
        return sent

    def topic_user_ids(self, topic: str) -> set[int]:
        return {c.user_id for c in self.by_topic.get(topic, ())}

    def close_all(self) -> None:
        for conns in list(self.by_user.values()):
            for conn in list(conns):
                conn.close("shutdown")
                self.unregister(conn)

    def describe(self) -> dict[str, Any]:
        return {"connections": self.connection_count, "users": len(self.by_user),
                "topics": len(self.by_topic), "buffers": len(self.buffers),
                "last_event_id": self.last_id, **self.stats}
