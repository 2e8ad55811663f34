"""Pub/sub: in-process fan-out, Redis across processes, the event bridge, Redis down."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis_asyncio
from sqlalchemy.orm import Session

from tanvi_social.core.db import record_event
from tanvi_social.core.platform import Platform
from tanvi_social.core.pubsub import InProcessPubSub, RedisPubSub
from tanvi_social.social.events import NotificationCreated
from tests.conftest import make_settings


async def _take(iterator: Any, n: int, timeout: float = 2.0) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        out.append(await asyncio.wait_for(iterator.__anext__(), timeout=timeout))
    return out


async def _started(iterator: Any) -> asyncio.Task[Any]:
    """Start consuming so the subscription exists before anything is published."""
    task = asyncio.create_task(iterator.__anext__())
    await asyncio.sleep(0.05)
    return task


async def test_in_process_fanout_reaches_every_subscriber_of_the_channel() -> None:
    ps = InProcessPubSub()
    a, b, other = ps.subscribe("user:1"), ps.subscribe("user:1"), ps.subscribe("user:2")
    ta, tb, to = await _started(a), await _started(b), await _started(other)
    assert await ps.publish("user:1", {"n": 1}) == 2
    assert (await ta) == {"n": 1}
    assert (await tb) == {"n": 1}
    assert not to.done()
    to.cancel()
    await asyncio.gather(to, return_exceptions=True)
    await a.aclose()
    assert ps.describe()["subscribers"] == 1
    await b.aclose()


async def test_slow_subscriber_drops_oldest_instead_of_blocking() -> None:
    ps = InProcessPubSub()
    it = ps.subscribe("c")
    task = await _started(it)
    for i in range(1005):
        await ps.publish("c", {"i": i})
    # The queue holds the newest 1,000; the 5 oldest were dropped, none blocked the publisher.
    assert (await task) == {"i": 5}
    assert ps.describe()["dropped"] == 5
    await it.aclose()


async def test_domain_events_are_bridged_to_the_events_channel(platform: Any, factory: Any) -> None:
    user = await factory.user()
    it = platform.extras["pubsub"].subscribe("events")
    task = await _started(it)

    def notify(session: Session) -> None:
        record_event(session, NotificationCreated(notification_id=9, recipient_id=user.id,
                                                  type="like", payload={"post_id": 3}))

    await platform.db.run(notify)
    event = await asyncio.wait_for(task, 2)
    assert event["name"] == "notification.created"
    assert event["recipient_id"] == user.id
    assert event["payload"] == {"post_id": 3}
    await it.aclose()


@pytest.mark.redis
async def test_redis_pubsub_crosses_processes(redis_url: str) -> None:
    c1, c2 = redis_asyncio.from_url(redis_url), redis_asyncio.from_url(redis_url)
    worker_a, worker_b = RedisPubSub(c1), RedisPubSub(c2)
    await worker_a.start()
    await worker_b.start()
    try:
        on_b = worker_b.subscribe("user:7")
        on_a = worker_a.subscribe("user:7")
        tb, ta = await _started(on_b), await _started(on_a)
        await worker_a.publish("user:7", {"type": "message.sent", "id": 1})
        assert (await asyncio.wait_for(tb, 2)) == {"type": "message.sent", "id": 1}
        assert (await asyncio.wait_for(ta, 2)) == {"type": "message.sent", "id": 1}
        # Exactly once each: nothing else queued.
        with pytest.raises(TimeoutError):
            await _take(on_b, 1, timeout=0.2)
        assert (await worker_b.health())["status"] == "ok"
        await on_a.aclose()
        await on_b.aclose()
    finally:
        await worker_a.stop()
        await worker_b.stop()
        await c1.aclose()
        await c2.aclose()


async def test_redis_down_delivers_locally_and_reports_degraded(database_url: str,
                                                                var_dir: Path) -> None:
    settings = make_settings(database_url, var_dir, redis_url="redis://127.0.0.1:1/0")
    platform = Platform.build(settings)
    ps = platform.extras["pubsub"]
    assert isinstance(ps, RedisPubSub)
    await ps.start()
    try:
        it = ps.subscribe("user:1")
        task = await _started(it)
        assert await ps.publish("user:1", {"ok": True}) == 1
        assert (await asyncio.wait_for(task, 2)) == {"ok": True}
        assert (await ps.health())["status"] == "degraded"
        await it.aclose()
    finally:
        await ps.stop()
        await platform.close()


def _event_classes() -> list[type]:
    import importlib
    import pkgutil

    import tanvi_social
    from tanvi_social.core.events import DomainEvent

    for module in pkgutil.walk_packages(tanvi_social.__path__, "tanvi_social."):
        if module.name.endswith("events"):
            importlib.import_module(module.name)

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    return below(DomainEvent)


def test_to_json_is_the_json_of_to_dict_for_every_event() -> None:
    """What streams receive (`to_json`, orjson on the dataclass) is exactly the JSON of
    `to_dict` (`asdict`), `name` included, for every event class, nested values too."""
    import dataclasses
    from datetime import UTC, datetime

    import orjson

    samples: dict[str, Any] = {"int": 7, "str": "x", "bool": True, "float": 1.5}
    classes = _event_classes()
    assert len(classes) >= 30
    for cls in classes:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not f.init or f.name == "occurred_at":
                continue
            kind = str(f.type)
            if "dict" in kind:
                values[f.name] = {"counts": {"going": 2}, "when": datetime(2026, 1, 2, tzinfo=UTC)}
            elif "tuple" in kind or "list" in kind:
                values[f.name] = (1, 2)
            else:
                values[f.name] = next((v for k, v in samples.items() if k in kind), None)
        event = cls(**values)
        expected = orjson.loads(orjson.dumps(event.to_dict(), default=str))
        assert event.to_json() == expected, cls.__name__
        assert event.to_json()["name"] == event.name != "event"
