"""Many connections on one worker, and events crossing workers through Redis."""

from __future__ import annotations

import asyncio
import resource
import time

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content.events import PostCreated
from tanvi_social.content.models import Post
from tanvi_social.core.db import record_event
from tanvi_social.social.models import Connection
from tanvi_social.social.notifications import notify
from tests.factories import _HASH, Factory
from tests.realtime.conftest import serve, sse

CONNECTIONS = 2000


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= needed


async def _followers(platform, author_id: int, count: int, prefix: str) -> list[int]:
    def fn(session: Session) -> list[int]:
        rows = [{"username": f"{prefix}{i}", "email": f"{prefix}{i}@example.test",
                 "password_hash": _HASH} for i in range(count)]
        ids = list(session.scalars(insert(User).returning(User.id), rows))
        session.execute(insert(Connection), [
            {"follower_id": uid, "target_id": author_id, "state": "accepted"} for uid in ids])
        return ids

    return await platform.db.run(fn)


async def publish_post(platform, author_id: int, caption: str = "new look") -> int:
    def fn(session: Session) -> int:
        post = Post(author_id=author_id, caption=caption)
        session.add(post)
        session.flush()
        record_event(session, PostCreated(post_id=post.id, author_id=author_id,
                                          visibility=post.visibility))
        return post.id

    return await platform.db.run(fn)


@pytest.mark.slow
@pytest.mark.usefixtures("realtime")
async def test_two_thousand_sse_connections_get_a_broadcast_within_two_seconds(
        factory: Factory, platform, live) -> None:
    _raise_fd_limit(2 * CONNECTIONS + 500)
    author = await factory.user()
    ids = await _followers(platform, author.id, CONNECTIONS, "fan")
    tokens = [factory.token_for(uid) for uid in ids]
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def connect(token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
        writer.write(f"GET /api/social/notifications/stream HTTP/1.1\r\nHost: t\r\n"
                     f"Authorization: Bearer {token}\r\n\r\n".encode())
        await writer.drain()
        await asyncio.wait_for(reader.readuntil(b"event: stream.ready"), 30)
        return reader, writer

    try:
        for start in range(0, CONNECTIONS, 250):
            streams += await asyncio.gather(*(connect(t) for t in tokens[start:start + 250]))
        hub = platform.extras["realtime"].hub
        assert hub.connection_count == CONNECTIONS

        received: list[float] = []

        async def wait_for_post(reader: asyncio.StreamReader) -> None:
            await reader.readuntil(b"event: post.created")
            received.append(time.perf_counter())

        waiters = [asyncio.create_task(wait_for_post(r)) for r, _ in streams]
        await asyncio.sleep(0.05)
        sent_at = time.perf_counter()
        await publish_post(platform, author.id)
        await asyncio.wait_for(asyncio.gather(*waiters), timeout=10)
        latest = max(received) - sent_at
        assert len(received) == CONNECTIONS
        assert latest < 2.0, f"slowest delivery took {latest:.2f}s"
    finally:
        for _, writer in streams:
            writer.close()
        platform.extras["realtime"].hub.close_all()


@pytest.mark.redis
async def test_event_from_worker_a_reaches_a_stream_on_worker_b(
        make_harness, redis_url: str) -> None:
    worker_a = await make_harness(redis_url=redis_url)
    worker_b = await make_harness(redis_url=redis_url)
    assert worker_a.platform is not worker_b.platform
    factory = Factory(worker_a.platform)
    mia, author = await factory.user(), await factory.user()
    await worker_a.platform.db.run(lambda s: s.add(
        Connection(follower_id=mia.id, target_id=author.id, state="accepted")))
    server_b = await serve(worker_b.app)
    try:
        async with sse(server_b.url, headers=mia.headers) as stream:
            def fn(session: Session) -> int:
                note = notify(session, recipient_id=mia.id, actor_id=author.id, type="follow")
                assert note is not None
                return note.id

            note_id = await worker_a.platform.db.run(fn)  # produced by worker A
            event = await stream.next(timeout=5)
            assert event.event == "notification.created"
            assert event.data["notification_id"] == note_id
            post_id = await publish_post(worker_a.platform, author.id)
            event = await stream.next(timeout=5)
            assert event.event == "post.created"
            assert event.data == {"post_id": post_id, "author_id": author.id}
        assert worker_a.platform.extras["realtime"].hub.connection_count == 0
        assert worker_b.platform.extras["pubsub"].backend == "redis"
    finally:
        await server_b.stop()
